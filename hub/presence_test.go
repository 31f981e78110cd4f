package hub_test

import (
	"fmt"
	"net/http"
	"testing"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func isPresence(userID int64, online bool) func(ft.Event) bool {
	return func(e ft.Event) bool { return e.Type == "presence" && e.UserID == userID && e.Online == online }
}

// Chats above the fan-out limit get no presence events; REST still answers who is online.
func TestPresenceSkipsLargeChats(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.PresenceFanout = 1 }})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	b.Send(sendFrame(p.chat.ID, "marker"))
	for _, e := range collectUntil(t, a, "marker") {
		if e.Type == "presence" {
			t.Fatalf("presence event in a chat above the limit: %s", e.Raw)
		}
	}
	var r struct{ Online []int64 }
	p.s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/presence", p.chat.ID), p.alice.AccessToken, nil, &r)
	if len(r.Online) != 2 {
		t.Fatalf("online = %v, want both", r.Online)
	}
}

func TestPresenceFollowsTheLastConnection(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	online := func() []int64 {
		var r struct{ Online []int64 }
		p.s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/presence", p.chat.ID), p.alice.AccessToken, nil, &r)
		return r.Online
	}
	if got := online(); len(got) != 1 || got[0] != p.alice.User.ID {
		t.Fatalf("online = %v, want only alice", got)
	}

	tab1 := p.s.Dial(t, p.bob.AccessToken)
	tab1.Ready()
	a.WaitFor(wait, isPresence(p.bob.User.ID, true))
	tab2 := p.s.Dial(t, p.bob.AccessToken) // a second tab: already online, no event
	tab2.Ready()
	if got := online(); len(got) != 2 {
		t.Fatalf("online = %v, want both", got)
	}
	var dir struct {
		Users []struct {
			ID     int64
			Online bool
		}
	}
	p.s.MustDo(t, http.StatusOK, "GET", "/api/v1/users", p.alice.AccessToken, nil, &dir)
	for _, u := range dir.Users {
		if !u.Online {
			t.Fatalf("directory shows user %d offline", u.ID)
		}
	}

	tab1.C.CloseNow()
	tab1.Closed(wait)
	// Still online through tab 2: a marker message proves no offline event came first.
	tab2.Send(sendFrame(p.chat.ID, "marker"))
	for _, e := range collectUntil(t, a, "marker") {
		if e.Type == "presence" {
			t.Fatalf("presence changed while a tab was open: %s", e.Raw)
		}
	}
	tab2.C.CloseNow()
	a.WaitFor(wait, isPresence(p.bob.User.ID, false))
	if got := online(); len(got) != 1 {
		t.Fatalf("online = %v after bob left, want only alice", got)
	}
}
