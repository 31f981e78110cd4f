package searchtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
)

func testLanguage(t *testing.T, f *fx) {
	alice, bob := f.user("Alice Smith"), f.user("Bob Jones")
	general := f.chat(fechatter.ChatChannel, "general", false, alice, bob)
	random := f.chat(fechatter.ChatChannel, "Random", false, alice, bob)
	cafe := f.send(general, alice, "Lunch at the Café Crème?")
	deploy := f.send(general, bob, "deploying the release now")
	deployment := f.send(random, alice, "the deployment failed, rolling back")
	brulee := f.send(random, bob, "crème brûlée for dessert")
	f.sync()
	f.want(bob, "cafe", cafe)
	f.want(bob, "CAFÉ", cafe)
	f.want(bob, "creme", cafe, brulee)
	f.want(bob, "deploy", deploy, deployment) // the last word is a prefix
	f.want(bob, "release deploy", deploy)
	f.want(bob, "deploy release") // only the last word is a prefix
	f.want(bob, `"creme brulee"`, brulee)
	f.want(bob, `"brulee creme"`)
	f.want(bob, "creme -lunch", brulee)
	f.want(bob, `creme -"creme brulee"`, cafe)
	f.want(bob, "from:@alice creme", cafe)
	f.want(bob, "from:@bob", deploy, brulee)
	f.want(bob, "from:me", deploy, brulee)
	f.want(bob, "from:bob@acme.io deploy", deploy)
	f.want(bob, "in:#general", cafe, deploy)
	f.want(bob, "in:#random deploy", deployment)
	f.want(bob, "in:random in:general deploy", deploy, deployment)
	f.want(bob, "from:@alice in:#random", deployment)
	f.want(bob, "nothingmatchesthis")
}

func testDates(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	g := f.chat(fechatter.ChatGroup, "", true, alice)
	m := f.send(g, alice, "dated message")
	f.sync()
	day := m.CreatedAt.UTC().Format(time.DateOnly)
	prev := m.CreatedAt.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	next := m.CreatedAt.UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	f.want(alice, "dated on:"+day, m)
	f.want(alice, "dated after:"+prev, m)
	f.want(alice, "dated after:"+day)
	f.want(alice, "dated before:"+next, m)
	f.want(alice, "dated before:"+day)
	f.want(alice, "dated after:"+prev+" before:"+next, m)
	at := m.CreatedAt.Format(time.RFC3339Nano)
	f.want(alice, "dated before:"+at)
	f.want(alice, "dated after:"+m.CreatedAt.Add(-time.Second).Format(time.RFC3339Nano), m)
	// The API's from/to parameters narrow the same way.
	p := f.search(alice, search.Request{Q: "dated", From: m.CreatedAt, To: m.CreatedAt.Add(time.Microsecond)})
	if len(p.Hits) != 1 {
		t.Errorf("from/to around the message: %d hits", len(p.Hits))
	}
	p = f.search(alice, search.Request{Q: "dated", To: m.CreatedAt})
	if len(p.Hits) != 0 {
		t.Errorf("to before the message: %d hits", len(p.Hits))
	}
}

func testPermissions(t *testing.T, f *fx) {
	alice, bob, carol := f.user("Alice Smith"), f.user("Bob Jones"), f.user("Carol White")
	team := f.chat(fechatter.ChatGroup, "team", true, alice, bob, carol)
	secret := f.chat(fechatter.ChatChannel, "secret", true, alice, bob)
	open := f.chat(fechatter.ChatChannel, "lobby", false, alice)
	inTeam := f.send(team, alice, "launch plan draft")
	inSecret := f.send(secret, alice, "launch plan final")
	f.send(open, alice, "launch plan lobby") // public, but carol has not joined
	f.sync()
	f.want(carol, "launch", inTeam)
	f.want(bob, "launch", inTeam, inSecret)
	_, err := f.svc.Search(f.ctx, carol, search.Request{Q: "launch", ChatID: secret.ID})
	f.code(err, fechatter.EForbidden, "carol searching the private channel by chat_id")
	_, err = f.svc.Search(f.ctx, carol, search.Request{Q: "in:#secret launch"})
	f.code(err, fechatter.EInvalid, "carol naming the private channel with in:")

	_, err = f.h.Store.RemoveMember(f.ctx, team.ID, carol.ID, carol.ID)
	f.ok(err, "RemoveMember")
	// No sync: removal takes effect at once, whatever the index holds.
	f.want(carol, "launch")
	_, err = f.svc.Search(f.ctx, carol, search.Request{Q: "launch", ChatID: team.ID})
	f.code(err, fechatter.EForbidden, "removed member searching the chat by chat_id")
}

func testEditDelete(t *testing.T, f *fx) {
	alice, bob := f.user("Alice Smith"), f.user("Bob Jones")
	g := f.chat(fechatter.ChatGroup, "", true, alice, bob)
	m := f.send(g, alice, "original wording here")
	keep := f.send(g, alice, "unrelated wording")
	f.sync()
	f.want(bob, "original", m)
	_, err := f.h.Store.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: m.ID, EditorID: alice.ID, Text: "revised phrasing here"})
	f.ok(err, "Edit")
	f.sync()
	f.want(bob, "original")
	p := f.search(bob, search.Request{Q: "revised"})
	if len(p.Hits) != 1 || p.Hits[0].Message.Text != "revised phrasing here" || p.Hits[0].Message.EditedAt == nil {
		t.Fatalf("after edit: %+v", p.Hits)
	}
	_, err = f.h.Store.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: alice.ID})
	f.ok(err, "Delete")
	f.sync()
	f.want(bob, "revised")
	f.want(bob, "here")
	f.want(bob, "wording", keep)
}

func testFilters(t *testing.T, f *fx) {
	alice, bob := f.user("Alice Smith"), f.user("Bob Jones")
	g1 := f.chat(fechatter.ChatGroup, "one", true, alice, bob)
	g2 := f.chat(fechatter.ChatGroup, "two", true, alice, bob)
	a1 := f.send(g1, alice, "weekly status")
	b1 := f.send(g1, bob, "weekly status too")
	a2 := f.send(g2, alice, "weekly status again")
	f.sync()
	check := func(what string, r search.Request, want ...fechatter.Message) {
		t.Helper()
		r.Recent = true
		if r.Q == "" {
			r.Q = "weekly"
		}
		got := hitIDs(f.search(bob, r))
		var ids []int64
		for i := len(want) - 1; i >= 0; i-- {
			ids = append(ids, want[i].ID)
		}
		if fmtIDs(got) != fmtIDs(ids) {
			t.Errorf("%s: hits %v, want %v", what, got, ids)
		}
	}
	check("all", search.Request{}, a1, b1, a2)
	check("chat_id", search.Request{ChatID: g1.ID}, a1, b1)
	check("sender_id", search.Request{SenderID: alice.ID}, a1, a2)
	check("chat_id and sender_id", search.Request{ChatID: g2.ID, SenderID: alice.ID}, a2)
	check("sender_id against from:", search.Request{SenderID: bob.ID, Q: "from:@alice weekly"})
}

func testPagingRelevance(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	g := f.chat(fechatter.ChatGroup, "", true, alice)
	want := map[int64]bool{}
	for i := range 7 {
		m := f.send(g, alice, strings.Repeat("filler ", i)+"pagination keyword")
		want[m.ID] = true
	}
	f.sync()
	seen := map[int64]bool{}
	r := search.Request{Q: "pagination keyword", Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more pages than hits")
		}
		p := f.search(alice, r)
		if p.Sort != "relevance" {
			t.Fatalf("sort = %q", p.Sort)
		}
		for _, h := range p.Hits {
			if seen[h.Message.ID] || !want[h.Message.ID] {
				t.Fatalf("hit %d repeated or unexpected", h.Message.ID)
			}
			seen[h.Message.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		r.Cursor = p.NextCursor
	}
	if len(seen) != len(want) {
		t.Fatalf("pages held %d hits, want %d", len(seen), len(want))
	}
}

func testPagingRecent(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	g := f.chat(fechatter.ChatGroup, "", true, alice)
	var all []int64
	for range 8 {
		all = append([]int64{f.send(g, alice, "recent paging").ID}, all...)
	}
	f.sync()
	var got []int64
	r := search.Request{Q: "paging", Recent: true, Limit: 3}
	for range 4 {
		p := f.search(alice, r)
		got = append(got, hitIDs(p)...)
		if p.NextCursor == "" {
			break
		}
		r.Cursor = p.NextCursor
	}
	if fmtIDs(got) != fmtIDs(all) {
		t.Fatalf("recent pages %v, want %v", got, all)
	}
	// A query with only operators is listed newest first.
	p := f.search(alice, search.Request{Q: "from:me", Limit: 2})
	if p.Sort != "recent" || fmtIDs(hitIDs(p)) != fmtIDs(all[:2]) || p.NextCursor == "" {
		t.Fatalf("from:me page = %v (%s)", hitIDs(p), p.Sort)
	}
}

func testCursors(t *testing.T, f *fx) {
	alice, bob := f.user("Alice Smith"), f.user("Bob Jones")
	g := f.chat(fechatter.ChatGroup, "", true, alice, bob)
	for range 3 {
		f.send(g, alice, "cursor test")
	}
	f.sync()
	p := f.search(alice, search.Request{Q: "cursor", Limit: 1})
	if p.NextCursor == "" {
		t.Fatal("no next cursor")
	}
	c := p.NextCursor
	tampered := []string{c[:len(c)-2] + "AA", "x" + c, strings.Replace(c, ".", "", 1), "not a cursor", strings.Repeat("a", 600)}
	for _, bad := range tampered {
		_, err := f.svc.Search(f.ctx, alice, search.Request{Q: "cursor", Limit: 1, Cursor: bad})
		f.code(err, fechatter.EInvalid, "tampered cursor "+bad)
	}
	_, err := f.svc.Search(f.ctx, alice, search.Request{Q: "other", Limit: 1, Cursor: c})
	f.code(err, fechatter.EInvalid, "cursor of another query")
	_, err = f.svc.Search(f.ctx, bob, search.Request{Q: "cursor", Limit: 1, Cursor: c})
	f.code(err, fechatter.EInvalid, "cursor of another user")
	_, err = f.svc.Search(f.ctx, alice, search.Request{Q: "cursor", Limit: 1, Cursor: c, Recent: true})
	f.code(err, fechatter.EInvalid, "cursor of another sort")
}

func testBadInput(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	f.chat(fechatter.ChatGroup, "", true, alice)
	for q, mention := range map[string]string{
		"":                                      "empty",
		"   ":                                   "empty",
		strings.Repeat("a ", 300):               "limit",
		"foo:bar":                               "foo:",
		"before:yesterday":                      "before:",
		"after:2026-02-30":                      "after:",
		"on:2026-01-01T00:00:00Z":               "on:",
		"-only":                                 "exclude",
		`"unclosed`:                             "quote",
		"from:@nobody x":                        "nobody",
		"in:#nowhere x":                         "nowhere",
		"from: x":                               "from:",
		"before:2026-01-01 before:2026-02-01 x": "twice",
		"after:2026-02-01 before:2026-01-01 x":  "no time",
	} {
		_, err := f.svc.Search(f.ctx, alice, search.Request{Q: q})
		f.code(err, fechatter.EInvalid, "query "+q)
		if err != nil && !strings.Contains(fechatter.ErrorMessage(err), mention) {
			t.Errorf("query %q: message %q does not mention %q", q, fechatter.ErrorMessage(err), mention)
		}
	}
	_, err := f.svc.Search(f.ctx, alice, search.Request{Q: "x", Limit: fechatter.MaxSearchLimit + 1})
	f.code(err, fechatter.EInvalid, "limit too big")
}

func testSnippets(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	g := f.chat(fechatter.ChatGroup, "", true, alice)
	long := strings.Repeat("lorem ipsum ", 40) + "the <b>Café</b> needle " + strings.Repeat("dolor sit ", 40)
	f.send(g, alice, long)
	f.sync()
	p := f.search(alice, search.Request{Q: "cafe needle"})
	if len(p.Hits) != 1 {
		t.Fatalf("%d hits", len(p.Hits))
	}
	s := p.Hits[0].Snippet
	if !strings.Contains(s, "<mark>Café</mark>") || !strings.Contains(s, "<mark>needle</mark>") ||
		!strings.Contains(s, "&lt;b&gt;") || !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || len([]rune(s)) > 300 {
		t.Fatalf("snippet %q", s)
	}
}

func fmtIDs(ids []int64) string { return fmt.Sprint(ids) }

// testTokenizer pins where words split, the same on every backend: at every character that is
// not a letter, digit or combining mark (search.IsWordRune), including the symbols some
// engines keep inside words by default (Meilisearch: <, >, =, $, |, ~, ^, arrows, currency,
// emoji, no-break spaces). Chat text is full of them: code, HTML, arrows, emoji.
func testTokenizer(t *testing.T, f *fx) {
	alice := f.user("Alice Smith")
	g := f.chat(fechatter.ChatGroup, "", true, alice)
	texts := []string{
		"the <b>Café</b> needle",
		"if alpha<bravo && charlie>delta",
		"echo->foxtrot => golf",
		"hotel=india, juliet==kilo",
		"$lima and ~/mike/november",
		"oscar|papa ^quebec^",
		"romeo→sierra ←tango",
		"uniform€ victor© whiskey™ xray°",
		"yankee\u00a0zulu", // no-break space
		"thanks🙂 👍🏽great",
		"ampère+volt `tick` 3×4",
	}
	msgs := make([]fechatter.Message, len(texts))
	for i, text := range texts {
		msgs[i] = f.send(g, alice, text)
	}
	f.sync()
	for i, text := range texts {
		for _, w := range search.Words(text) {
			if !slices.ContainsFunc(f.ids(alice, w+" "+w), func(id int64) bool { return id == msgs[i].ID }) {
				t.Errorf("search %q does not find %q", w, text)
			}
		}
	}
	f.want(alice, "cafe", msgs[0])
	f.want(alice, "b cafe", msgs[0])
	f.want(alice, `"alpha bravo"`, msgs[1])
	f.want(alice, `"echo foxtrot golf"`, msgs[2])
	f.want(alice, "great thanks", msgs[9])
	f.want(alice, "ampere volt tick", msgs[10])
}
