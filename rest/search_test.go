package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/search/meilitest"
)

type searchPage = search.Page

func searchPath(q string, extra ...string) string {
	p := "/api/v1/search?q=" + url.QueryEscape(q)
	for _, e := range extra {
		p += "&" + e
	}
	return p
}

// sendVia stores a message through the node's store (REST search needs no socket).
func sendVia(t *testing.T, s *ft.Server, chat fechatter.Chat, from ft.Account, text string) fechatter.Message {
	t.Helper()
	ev, _, err := s.Store.Send(t.Context(), fechatter.SendParams{ChatID: chat.ID, SenderID: from.User.ID,
		ClientID: fmt.Sprintf("c-%d", n.Add(1)), Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return ev.Message
}

func TestSearchBuiltin(t *testing.T) { testSearchAPI(t, ft.Options{}) }

func TestSearchBuiltinPostgres(t *testing.T) { testSearchAPI(t, ft.Options{Postgres: true}) }

func testSearchAPI(t *testing.T, opts ft.Options) {
	s := ft.Start(t, opts)
	ann := s.Signup(t, email("ann"), "acme")
	ben := s.Signup(t, email("ben"), "acme")
	cat := s.Signup(t, email("cat"), "acme")
	team := s.CreateChat(t, ann, fechatter.ChatGroup, "team", ben.User.ID, cat.User.ID)
	secret := s.CreateChat(t, ann, fechatter.ChatChannel, "secret", ben.User.ID)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/chats/%d", secret.ID), ann.AccessToken, map[string]any{"private": true}, nil)
	m1 := sendVia(t, s, team, ann, "Rendez-vous au café à midi")
	sendVia(t, s, secret, ann, "café secret plans")

	var p searchPage
	s.MustDo(t, http.StatusOK, "GET", searchPath("cafe"), cat.AccessToken, nil, &p)
	if len(p.Hits) != 1 || p.Hits[0].Message.ID != m1.ID || p.Hits[0].Chat.Name != "team" ||
		p.Hits[0].Sender.ID != ann.User.ID || !strings.Contains(p.Hits[0].Snippet, "<mark>café</mark>") {
		t.Fatalf("cat's search = %+v", p)
	}
	s.MustDo(t, http.StatusOK, "GET", searchPath("cafe"), ben.AccessToken, nil, &p)
	if len(p.Hits) != 2 {
		t.Fatalf("ben sees %d hits, want 2", len(p.Hits))
	}
	// Removed from the team: cat sees nothing at once.
	s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", team.ID, cat.User.ID), ann.AccessToken, nil, nil)
	s.MustDo(t, http.StatusOK, "GET", searchPath("cafe"), cat.AccessToken, nil, &p)
	if len(p.Hits) != 0 {
		t.Fatalf("removed member still finds %+v", p.Hits)
	}
	code, raw := s.Do(t, "GET", searchPath("cafe", fmt.Sprintf("chat_id=%d", team.ID)), cat.AccessToken, nil, nil)
	if code != http.StatusForbidden || errCode(t, raw) != fechatter.EForbidden {
		t.Fatalf("removed member with chat_id: %d %s", code, raw)
	}

	// Paging with a signed cursor.
	for i := range 5 {
		sendVia(t, s, team, ben, fmt.Sprintf("standup note %d", i))
	}
	var all []int64
	path := searchPath("standup", "limit=2", "sort=recent")
	for range 4 {
		p = searchPage{}
		s.MustDo(t, http.StatusOK, "GET", path, ann.AccessToken, nil, &p)
		for _, h := range p.Hits {
			all = append(all, h.Message.ID)
		}
		if p.NextCursor == "" {
			break
		}
		path = searchPath("standup", "limit=2", "sort=recent", "cursor="+url.QueryEscape(p.NextCursor))
	}
	if len(all) != 5 || all[0] < all[4] {
		t.Fatalf("recent pages = %v", all)
	}
}

func TestSearchBadInput(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	s.CreateChat(t, a, fechatter.ChatGroup, "team")
	for i := range 3 {
		sendVia(t, s, s.CreateChat(t, a, fechatter.ChatGroup, fmt.Sprintf("g%d", i)), a, "tamper proof")
	}
	var p searchPage
	s.MustDo(t, http.StatusOK, "GET", searchPath("tamper", "limit=1"), a.AccessToken, nil, &p)
	if p.NextCursor == "" {
		t.Fatal("no cursor")
	}
	last, flipped := p.NextCursor[len(p.NextCursor)-1], "A"
	if last == 'A' {
		flipped = "B"
	}
	tampered := p.NextCursor[:len(p.NextCursor)-1] + flipped
	cases := []struct{ path, mention string }{
		{"/api/v1/search", "empty"},
		{searchPath("   "), "empty"},
		{searchPath(strings.Repeat("x", search.MaxQueryRunes+1)), "limit"},
		{searchPath("foo:bar"), "foo:"},
		{searchPath("x before:2026-13-01"), "before:"},
		{searchPath("-alone"), "exclude"},
		{searchPath("x", "limit=0"), "limit"},
		{searchPath("x", "limit=101"), "limit"},
		{searchPath("x", "limit=ten"), "limit"},
		{searchPath("x", "chat_id=-4"), "chat_id"},
		{searchPath("x", "sender_id=abc"), "sender_id"},
		{searchPath("x", "from=yesterday"), "from"},
		{searchPath("x", "to=2026-01-01T25:00:00Z"), "to"},
		{searchPath("x", "sort=oldest"), "sort"},
		{searchPath("tamper", "limit=1", "cursor="+url.QueryEscape(tampered)), "cursor"},
		{searchPath("tamper", "limit=1", "cursor=garbage"), "cursor"},
		{searchPath("other", "limit=1", "cursor="+url.QueryEscape(p.NextCursor)), "cursor"},
	}
	for _, tc := range cases {
		code, raw := s.Do(t, "GET", tc.path, a.AccessToken, nil, nil)
		if code != http.StatusBadRequest || errCode(t, raw) != fechatter.EInvalid || !strings.Contains(string(raw), tc.mention) {
			t.Errorf("GET %s: %d %s; want 400 invalid_input mentioning %q", tc.path, code, raw, tc.mention)
		}
	}
	code, raw := s.Do(t, "GET", searchPath("x"), "", nil, nil)
	if code != http.StatusUnauthorized || errCode(t, raw) != fechatter.EUnauthorized {
		t.Fatalf("anonymous search: %d %s", code, raw)
	}
}

// TestSearchMeilisearch runs a node with MEILI_URL pointing at the stand-in: messages sent over
// the socket reach the index through NATS JetStream and the indexer, edits and deletes too.
func TestSearchMeilisearch(t *testing.T) {
	meili := meilitest.Start("test-key")
	t.Cleanup(meili.Close)
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.MeiliURL, c.MeiliKey = meili.URL, "test-key" }})
	ann := s.Signup(t, email("ann"), "acme")
	ben := s.Signup(t, email("ben"), "acme")
	chat := s.CreateChat(t, ann, fechatter.ChatGroup, "team", ben.User.ID)
	ws := s.Dial(t, ann.AccessToken)
	ws.Ready()
	ws.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": "indexed through jetstream"})
	ack := ws.WaitFor(10*time.Second, ft.Type("ack"))
	waitHits(t, s, ben, "jetstream", 1)
	ws.Send(map[string]any{"type": "edit", "chat_id": chat.ID, "message_id": ack.Message.ID, "text": "rewritten text"})
	ws.WaitFor(10*time.Second, ft.Type("ack"))
	waitHits(t, s, ben, "rewritten", 1)
	waitHits(t, s, ben, "jetstream", 0)
	ws.Send(map[string]any{"type": "delete", "chat_id": chat.ID, "message_id": ack.Message.ID})
	ws.WaitFor(10*time.Second, ft.Type("ack"))
	waitHits(t, s, ben, "rewritten", 0)
	if docs := meili.Documents("messages"); len(docs) != 0 {
		t.Fatalf("index still holds %v", docs)
	}
}

// waitHits polls the search until it returns want hits.
func waitHits(t *testing.T, s *ft.Server, a ft.Account, q string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var p searchPage
		s.MustDo(t, http.StatusOK, "GET", searchPath(q), a.AccessToken, nil, &p)
		if len(p.Hits) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("search %q: %d hits, want %d", q, len(p.Hits), want)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
