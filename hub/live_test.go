package hub_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func TestTypingReachesOthersOnlyAndIsThrottled(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.TypingInterval = time.Hour }})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()

	a.Send(map[string]any{"type": "typing", "chat_id": p.chat.ID})
	a.Send(map[string]any{"type": "typing", "chat_id": p.chat.ID}) // inside the interval: dropped
	e := b.WaitFor(wait, ft.Type("typing"))
	if e.ChatID != p.chat.ID || e.UserID != p.alice.User.ID {
		t.Fatalf("typing = %s", e.Raw)
	}
	// A marker send proves the order: everything before it has been relayed.
	a.Send(sendFrame(p.chat.ID, "marker"))
	for _, ev := range collectUntil(t, b, "marker") {
		if ev.Type == "typing" {
			t.Fatalf("second typing inside the interval was relayed: %s", ev.Raw)
		}
	}
	for _, ev := range collectUntil(t, a, "marker") {
		if ev.Type == "typing" {
			t.Fatalf("the typist got their own typing event: %s", ev.Raw)
		}
	}

	carol := p.s.Signup(t, email("carol"), p.workspace)
	c := p.s.Dial(t, carol.AccessToken)
	c.Ready()
	c.Send(map[string]any{"type": "typing", "chat_id": p.chat.ID, "ref": "t"})
	if e := c.WaitFor(wait, ft.Type("error")); e.Code != fechatter.ENotFound {
		t.Fatalf("typing in a foreign chat: %s", e.Raw)
	}
}

// collectUntil returns the events before the message with the given text.
func collectUntil(t *testing.T, c *ft.Conn, text string) []ft.Event {
	t.Helper()
	var out []ft.Event
	for {
		e := c.Next(wait)
		if e.Type == "message" && e.Message.Text == text {
			return out
		}
		out = append(out, e)
	}
}

func TestReadMovesForwardIsBroadcastAndCounted(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	for i := 1; i <= 3; i++ {
		a.Send(sendFrame(p.chat.ID, fmt.Sprint("r", i)))
		a.WaitFor(wait, ft.Type("ack"))
	}
	unread := func() int64 {
		var list struct{ Chats []fechatter.ChatSummary }
		p.s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", p.bob.AccessToken, nil, &list)
		return list.Chats[0].Unread
	}
	if u := unread(); u != 3 {
		t.Fatalf("bob has %d unread, want 3", u)
	}
	b.Send(map[string]any{"type": "read", "chat_id": p.chat.ID, "seq": 2})
	if e := a.WaitFor(wait, ft.Type("read")); e.UserID != p.bob.User.ID || e.Seq != 2 || e.ChatID != p.chat.ID {
		t.Fatalf("read event = %s", e.Raw)
	}
	if u := unread(); u != 1 {
		t.Fatalf("bob has %d unread after reading to 2, want 1", u)
	}
	b.Send(map[string]any{"type": "read", "chat_id": p.chat.ID, "seq": 1}) // backwards: no effect
	b.Send(map[string]any{"type": "read", "chat_id": p.chat.ID, "seq": 99, "ref": "far"})
	if e := b.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EInvalid || string(e.Ref) != `"far"` {
		t.Fatalf("read beyond last seq: %s", e.Raw)
	}
	if u := unread(); u != 1 {
		t.Fatalf("bob has %d unread after a backwards read, want 1", u)
	}
	b.Send(map[string]any{"type": "read", "chat_id": p.chat.ID, "seq": 0})
	if e := b.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EInvalid {
		t.Fatalf("read seq 0: %s", e.Raw)
	}
}
