package hub_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func TestSSEStreamsEventsWithResumeCursors(t *testing.T) {
	p := newPair(t, ft.Options{})
	s := p.s.OpenSSE(t, ft.SSEOptions{Token: p.bob.AccessToken})
	if s.Resp.StatusCode != 200 {
		t.Fatalf("status %d", s.Resp.StatusCode)
	}
	h := s.Resp.Header
	if !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") || h.Get("X-Accel-Buffering") != "no" || !strings.Contains(h.Get("Cache-Control"), "no-cache") {
		t.Fatalf("headers %v", h)
	}
	ready := s.WaitFor(wait, "ready")
	if ready.ID == "" || ready.Data.User.ID != p.bob.User.ID {
		t.Fatalf("ready = %+v", ready)
	}
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(p.chat.ID, "s1"))
	m := s.WaitFor(wait, "message")
	if m.Data.Seq != 1 || m.Data.Message.Text != "s1" || m.ID == "" || m.ID == ready.ID {
		t.Fatalf("message = %+v", m)
	}
	s.Close()

	for i := 2; i <= 4; i++ {
		a.Send(sendFrame(p.chat.ID, fmt.Sprint("s", i)))
		a.WaitFor(wait, ft.Type("ack"))
	}
	// Resume with the id of the last event seen, token in the query string this time.
	s2 := p.s.OpenSSE(t, ft.SSEOptions{Token: p.bob.AccessToken, TokenQuery: true, LastEventID: m.ID})
	s2.WaitFor(wait, "ready")
	for want := int64(2); want <= 4; want++ {
		if e := s2.WaitFor(wait, "message"); e.Data.Seq != want {
			t.Fatalf("replayed seq %d, want %d", e.Data.Seq, want)
		}
	}
	a.Send(sendFrame(p.chat.ID, "s5"))
	if e := s2.WaitFor(wait, "message"); e.Data.Seq != 5 {
		t.Fatalf("live after replay: seq %d, want 5", e.Data.Seq)
	}
}

func TestSSEGarbageLastEventIDRestartsTheStream(t *testing.T) {
	p := newPair(t, ft.Options{})
	s := p.s.OpenSSE(t, ft.SSEOptions{Token: p.bob.AccessToken, LastEventID: "v1.%%%not-base64"})
	if s.Resp.StatusCode != 200 {
		t.Fatalf("status %d", s.Resp.StatusCode)
	}
	s.WaitFor(wait, "ready")
	if e := s.WaitFor(wait, "error"); e.Data.Code != fechatter.EInvalid || !strings.Contains(e.Data.Text, "Last-Event-ID") {
		t.Fatalf("error = %+v", e)
	}
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(p.chat.ID, "after reset"))
	if e := s.WaitFor(wait, "message"); e.Data.Message.Text != "after reset" {
		t.Fatalf("stream did not continue: %+v", e)
	}
}

func TestSSERejectsMissingAndBadTokens(t *testing.T) {
	p := newPair(t, ft.Options{})
	for _, o := range []ft.SSEOptions{{}, {Token: "junk"}, {Token: "junk", TokenQuery: true}} {
		s := p.s.OpenSSE(t, o)
		if s.Resp.StatusCode != 401 {
			t.Fatalf("%+v: status %d, want 401", o, s.Resp.StatusCode)
		}
	}
}

// The old notify server's streams died after half an hour. Hold one across many keepalive
// periods (shortened to 10 ms) and check it still delivers.
func TestSSESurvivesManyKeepalivePeriods(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.PingInterval = 10 * time.Millisecond }})
	s := p.s.OpenSSE(t, ft.SSEOptions{Token: p.bob.AccessToken})
	s.WaitFor(wait, "ready")
	start := time.Now()
	for n := 0; n < 200; {
		if e := s.Next(wait); e.Comment == "keepalive" {
			n++
		}
	}
	if time.Since(start) < 200*10*time.Millisecond/2 {
		t.Fatalf("keepalives came faster than the interval")
	}
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(p.chat.ID, "still alive"))
	if e := s.WaitFor(wait, "message"); e.Data.Message.Text != "still alive" {
		t.Fatalf("message after keepalives = %+v", e)
	}
}
