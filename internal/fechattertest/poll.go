package fechattertest

import (
	"testing"
	"time"
)

// Eventually polls cond every 20ms until it returns "" or timeout passes, then fails the
// test with cond's last answer (what it still waits for).
func Eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
