// Package poll is the one way tests wait for a condition: CheckFor polls it with a deadline
// instead of sleeping. It imports nothing of the project, so that every package's tests can use
// it, the hub's own internal tests included (internal/fechattertest, which boots whole nodes,
// forwards to it).
package poll

import (
	"testing"
	"time"
)

// CheckFor polls cond, every millisecond at first and at most every 50ms, until it holds, and
// fails the test naming what it waited for when d passes first.
func CheckFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(wait) // the polling interval
	}
}
