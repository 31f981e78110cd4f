package fechattertest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// CheckFor polls cond until it holds, and fails the test naming what it waited for when d
// passes first. Tests wait with it instead of sleeping. It is poll.CheckFor, the project's one
// polling helper, forwarded here for the tests that use this package anyway.
func CheckFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	poll.CheckFor(t, d, what, cond)
}
