package fechattertest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// Eventually polls cond until it returns "", as CheckFor does; cond's last answer (what it
// still waits for) is logged when the test fails.
//
// Deprecated: use CheckFor, the one polling helper. Eventually stays only until the branches
// that still call it are merged.
func Eventually(t testing.TB, timeout time.Duration, cond func() string) {
	t.Helper()
	var why string
	t.Cleanup(func() {
		if t.Failed() && why != "" {
			t.Logf("Eventually: still waiting for: %s", why)
		}
	})
	poll.CheckFor(t, timeout, "a condition (its last answer is logged below)", func() bool {
		why = cond()
		return why == ""
	})
}
