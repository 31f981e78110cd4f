package fechattertest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// Eventually is CheckFor for a condition that says what it still waits for: it polls cond
// until it returns "" (through the one polling rule, internal/poll), and cond's last answer is
// logged when the test fails.
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
