package fechattertest

import (
	"testing"
	"time"
)

// CheckFor polls cond every few milliseconds until it holds, and fails the test naming what
// it waited for when d passes first. Tests wait with it instead of sleeping.
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
