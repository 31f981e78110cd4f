package hub_test

import (
	"context"
	"testing"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// Frames that are not even JSON count toward the frame limit: a flood of them gets
// rate_limited errors, then close 4009.
func TestMalformedFramesCountTowardTheFrameLimit(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.FrameRate = 1 }}) // burst 2; 4009 after 8 refusals in a row
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	garbage := []byte(`{not json`)
	codes := map[string]int{}
	for i := 0; i < 6; i++ { // one at a time, reading each answer
		a.SendRaw(garbage)
		codes[a.WaitFor(wait, ft.Type("error")).Code]++
	}
	if codes[fechatter.ERateLimited] == 0 || codes[fechatter.EInvalid] > 3 {
		t.Fatalf("answers to 6 garbage frames: %v; want rate_limited after the burst of 2", codes)
	}
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	for i := 0; i < 50; i++ {
		if a.C.Write(ctx, websocket.MessageText, garbage) != nil {
			break // closed by the server
		}
	}
	if code := a.Closed(wait); code != 4009 {
		t.Fatalf("a flood of garbage closed with %d, want 4009", code)
	}
}
