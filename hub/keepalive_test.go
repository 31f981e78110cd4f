package hub_test

import (
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// An idle client is pinged every interval and answers; a client that keeps sending frames is
// not pinged while it does (its frames show it alive), and stays connected.
func TestKeepalivePingsOnlySilentClients(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) {
		c.PingInterval, c.WriteTimeout = 30*time.Millisecond, 2*time.Second
	}})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	ft.Eventually(t, wait, func() string {
		if v := metric(t, p.s, `fechatter_pings_total{outcome="pong"}`); v < 2 {
			return "the idle client was not pinged twice"
		}
		return ""
	})
	if v := metric(t, p.s, `fechatter_pings_total{outcome="skipped"}`); v != 0 {
		t.Fatalf("%v rounds skipped for a client that sent nothing", v)
	}
	// Now the client talks (an application ping, answered with pong, every few ms) until
	// rounds are skipped for it.
	ft.Eventually(t, wait, func() string {
		for range 5 {
			a.Send(map[string]any{"type": "ping", "ref": "r"})
			a.WaitFor(wait, ft.Type("pong"))
		}
		if v := metric(t, p.s, `fechatter_pings_total{outcome="skipped"}`); v < 2 {
			return "no round skipped for a client that keeps sending frames"
		}
		return ""
	})
	if a.ErrClosed() != nil {
		t.Fatalf("the talking client was closed: %v", a.ErrClosed())
	}
	if v := metric(t, p.s, `fechatter_pings_total{outcome="unanswered"}`); v != 0 {
		t.Fatalf("%v pings unanswered", v)
	}
}
