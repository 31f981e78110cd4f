//go:build unix

package storetest

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used so far. Around one search
// at a time, its difference is what that search cost this process: unlike wall time, it
// hardly changes when other processes share the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
