//go:build !linux

package loadtest

import "syscall"

// bindNoPort is Linux's IP_BIND_ADDRESS_NO_PORT (bind_linux.go); elsewhere bind picks the port.
func bindNoPort(_, _ string, _ syscall.RawConn) error { return nil }
