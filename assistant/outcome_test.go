package assistant

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter"
)

// An answer's end maps to one bot_response outcome: a deadline is a timeout, not an error.
func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		state fechatter.MessageState
		err   error
		want  string
	}{
		{fechatter.StateComplete, nil, fechatter.BotOK},
		{fechatter.StateComplete, errTooLong, fechatter.BotOK}, // cut short, still posted
		{fechatter.StateCanceled, context.Canceled, fechatter.BotCanceled},
		{fechatter.StateFailed, fmt.Errorf("reading: %w", context.DeadlineExceeded), fechatter.BotTimeout},
		{fechatter.StateFailed, errors.New("model said 500"), fechatter.BotError},
	} {
		if got := outcome(c.state, c.err); got != c.want {
			t.Errorf("outcome(%s, %v) = %s, want %s", c.state, c.err, got, c.want)
		}
	}
}
