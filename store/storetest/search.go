package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func searchCases() []testCase {
	return []testCase{
		{"SearchText", testSearchText},
		{"SearchMembership", testSearchMembership},
		{"SearchEditDelete", testSearchEditDelete},
		{"SearchFilters", testSearchFilters},
		{"SearchPaging", testSearchPaging},
		{"SearchInvalid", testSearchInvalid},
		{"ScanMessages", testScanMessages},
		{"MemberChats", testMemberChats},
	}
}

// search runs q and returns the ids of the hits, in order.
func (f *fx) search(q fechatter.MessageSearch) []int64 {
	f.t.Helper()
	if q.Limit == 0 {
		q.Limit = fechatter.MaxSearchLimit
	}
	msgs, err := f.s.SearchMessages(f.ctx, q)
	f.ok(err, "SearchMessages")
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		if m.Deleted || m.Text == "" || m.CreatedAt.Location() != time.UTC {
			f.t.Fatalf("hit %s is a tombstone or not in UTC", fmtMessage(m))
		}
		ids[i] = m.ID
	}
	return ids
}

func words(ws ...string) fechatter.TextQuery { return fechatter.TextQuery{Words: ws} }

func testSearchText(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	cafe := f.send(g.ID, tm.alice.ID, "c1", "Meet at the Café Crème at noon").Message.ID
	deploy := f.send(g.ID, tm.bob.ID, "c2", "deploying the new release, see alice@acme.io").Message.ID
	naive := f.send(g.ID, tm.bob.ID, "c3", "a naïve approach to deployment").Message.ID
	other := f.send(g.ID, tm.alice.ID, "c4", "crème brûlée for dessert").Message.ID
	base := fechatter.MessageSearch{UserID: tm.alice.ID, ChatIDs: []int64{g.ID}, Recent: true}
	cases := []struct {
		name string
		text fechatter.TextQuery
		want []int64
	}{
		{"word folds case and diacritics", words("cafe"), []int64{cafe}},
		{"all words must occur", words("creme", "noon"), []int64{cafe}},
		{"a word in no message", words("creme", "absent"), nil},
		{"prefix", fechatter.TextQuery{Prefix: "deploy"}, []int64{naive, deploy}},
		{"prefix with words", fechatter.TextQuery{Words: []string{"naive"}, Prefix: "dep"}, []int64{naive}},
		{"phrase", fechatter.TextQuery{Phrases: [][]string{{"creme", "brulee"}}}, []int64{other}},
		{"phrase in order only", fechatter.TextQuery{Phrases: [][]string{{"brulee", "creme"}}}, nil},
		{"excluded word", fechatter.TextQuery{Words: []string{"creme"}, Excluded: [][]string{{"noon"}}}, []int64{other}},
		{"excluded phrase", fechatter.TextQuery{Words: []string{"creme"}, Excluded: [][]string{{"creme", "brulee"}}}, []int64{cafe}},
		{"punctuation splits words", words("acme", "alice"), []int64{deploy}},
		{"no text: every message, newest first", fechatter.TextQuery{}, []int64{other, naive, deploy, cafe}},
	}
	for _, tc := range cases {
		q := base
		q.Text = tc.text
		if got := f.search(q); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: hits %v, want %v", tc.name, got, tc.want)
		}
	}
	// Relevance order returns the same set.
	q := base
	q.Recent, q.Text = false, fechatter.TextQuery{Prefix: "deploy"}
	wantIDs(t, "relevance hits", f.search(q), []int64{naive, deploy})
}

func testSearchMembership(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	private := f.createChat(fechatter.CreateChatParams{WorkspaceID: tm.alice.WorkspaceID, CreatorID: tm.alice.ID,
		Kind: fechatter.ChatChannel, Name: "secret", Private: true})
	inGroup := f.send(g.ID, tm.alice.ID, "c1", "quarterly numbers").Message.ID
	f.send(private.ID, tm.alice.ID, "c2", "quarterly secrets")
	q := fechatter.MessageSearch{UserID: tm.carol.ID, ChatIDs: []int64{g.ID, private.ID}, Text: words("quarterly")}
	if got := f.search(q); !slices.Equal(got, []int64{inGroup}) {
		t.Fatalf("carol (not in the private channel) finds %v, want only %v", got, inGroup)
	}
	f.removeMember(g.ID, tm.carol.ID)
	if got := f.search(q); len(got) != 0 {
		t.Fatalf("carol, removed from the group, still finds %v", got)
	}
	q.UserID = tm.alice.ID
	if got := f.search(q); len(got) != 2 {
		t.Fatalf("alice finds %v, want both messages", got)
	}
	q.ChatIDs = nil
	if got := f.search(q); len(got) != 0 {
		t.Fatalf("no chats allowed, found %v", got)
	}
}

func testSearchEditDelete(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	m := f.send(g.ID, tm.alice.ID, "c1", "the old wording").Message
	q := fechatter.MessageSearch{UserID: tm.bob.ID, ChatIDs: []int64{g.ID}, Text: words("wording")}
	_, err := s.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: m.ID, EditorID: tm.alice.ID, Text: "the new phrasing"})
	f.ok(err, "Edit")
	q.Text = words("old")
	if got := f.search(q); len(got) != 0 {
		t.Fatalf("the old text is still found after an edit: %v", got)
	}
	q.Text = words("phrasing")
	msgs, err := s.SearchMessages(f.ctx, fechatter.MessageSearch{UserID: q.UserID, ChatIDs: q.ChatIDs, Text: q.Text, Limit: 10})
	f.ok(err, "SearchMessages")
	if len(msgs) != 1 || msgs[0].ID != m.ID || msgs[0].Text != "the new phrasing" || msgs[0].EditedAt == nil {
		t.Fatalf("after edit: %v", msgs)
	}
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")
	if got := f.search(q); len(got) != 0 {
		t.Fatalf("a deleted message is still found: %v", got)
	}
	q.Text = fechatter.TextQuery{}
	if got := f.search(q); len(got) != 0 {
		t.Fatalf("a deleted message is listed: %v", got)
	}
}

func testSearchFilters(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g1 := f.group(tm.alice, tm.bob)
	g2 := f.group(tm.alice, tm.bob)
	a1 := f.send(g1.ID, tm.alice.ID, "c1", "status report").Message
	b1 := f.send(g1.ID, tm.bob.ID, "c2", "status update").Message
	a2 := f.send(g2.ID, tm.alice.ID, "c3", "status again").Message
	base := fechatter.MessageSearch{UserID: tm.bob.ID, ChatIDs: []int64{g1.ID, g2.ID}, Text: words("status"), Recent: true}
	q := base
	q.SenderIDs = []int64{tm.alice.ID}
	if got := f.search(q); !slices.Equal(got, []int64{a2.ID, a1.ID}) {
		t.Errorf("sender filter: %v", got)
	}
	q = base
	q.ChatIDs = []int64{g2.ID}
	if got := f.search(q); !slices.Equal(got, []int64{a2.ID}) {
		t.Errorf("chat filter: %v", got)
	}
	q = base
	q.Since = b1.CreatedAt
	if got := f.search(q); !slices.Equal(got, []int64{a2.ID, b1.ID}) {
		t.Errorf("since %v: %v", b1.CreatedAt, got)
	}
	q = base
	q.Until = b1.CreatedAt.Add(time.Microsecond)
	if got := f.search(q); !slices.Equal(got, []int64{b1.ID, a1.ID}) {
		t.Errorf("until: %v", got)
	}
	q.Since, q.Until = b1.CreatedAt, b1.CreatedAt
	if got := f.search(q); len(got) != 0 {
		t.Errorf("empty time range: %v", got)
	}
}

func testSearchPaging(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	var all []int64
	for i := range 7 {
		all = append(all, f.send(g.ID, tm.alice.ID, "c"+string(rune('a'+i)), "paging test message").Message.ID)
	}
	slices.Reverse(all)
	q := fechatter.MessageSearch{UserID: tm.bob.ID, ChatIDs: []int64{g.ID}, Text: words("paging"), Recent: true, Limit: 3}
	var got []int64
	for range 4 {
		page := f.search(q)
		got = append(got, page...)
		if len(page) < q.Limit {
			break
		}
		q.BeforeID = page[len(page)-1]
	}
	if !slices.Equal(got, all) {
		t.Fatalf("recent pages = %v, want %v", got, all)
	}
	q = fechatter.MessageSearch{UserID: tm.bob.ID, ChatIDs: []int64{g.ID}, Text: words("paging"), Limit: 3}
	got = nil
	for off := 0; off < 9; off += 3 {
		q.Offset = off
		got = append(got, f.search(q)...)
	}
	wantIDs(t, "relevance pages", got, all)
	if len(got) != len(all) {
		t.Fatalf("relevance pages repeat hits: %v", got)
	}
}

func testSearchInvalid(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice)
	base := fechatter.MessageSearch{UserID: tm.alice.ID, ChatIDs: []int64{g.ID}, Text: words("x"), Limit: 10}
	for name, mod := range map[string]func(*fechatter.MessageSearch){
		"limit 0":       func(q *fechatter.MessageSearch) { q.Limit = 0 },
		"limit too big": func(q *fechatter.MessageSearch) { q.Limit = fechatter.MaxSearchLimit + 2 },
		"negative skip": func(q *fechatter.MessageSearch) { q.Offset = -1 },
		"only excluded": func(q *fechatter.MessageSearch) { q.Text = fechatter.TextQuery{Excluded: [][]string{{"x"}}} },
	} {
		q := base
		mod(&q)
		_, err := s.SearchMessages(f.ctx, q)
		f.code(err, fechatter.EInvalid, name)
	}
	// Words are data, never syntax, whatever they hold.
	for _, w := range []string{`"`, `'`, `\`, "AND", "NOT", "*", "(", ":*", "x' | 'y"} {
		q := base
		q.Text = fechatter.TextQuery{Words: []string{w}, Prefix: w}
		_, err := s.SearchMessages(f.ctx, q)
		f.ok(err, "search for "+w)
	}
}

func testScanMessages(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	msgs, maxID, err := s.ScanMessages(f.ctx, 0, 10)
	f.ok(err, "ScanMessages empty")
	if len(msgs) != 0 || maxID != 0 {
		t.Fatalf("empty store: %v, max %d", msgs, maxID)
	}
	g := f.group(tm.alice, tm.bob)
	var ids []int64
	for i := range 5 {
		ids = append(ids, f.send(g.ID, tm.bob.ID, "c"+string(rune('a'+i)), "scan me").Message.ID)
	}
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: ids[1], ActorID: tm.bob.ID})
	f.ok(err, "Delete")
	var got []int64
	after := int64(0)
	for {
		page, max, err := s.ScanMessages(f.ctx, after, 2)
		f.ok(err, "ScanMessages")
		if max != ids[4] {
			t.Fatalf("maxID = %d, want %d", max, ids[4])
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			got = append(got, m.ID)
			if m.ID == ids[1] && !m.Deleted {
				t.Fatalf("tombstone not marked deleted: %s", fmtMessage(m))
			}
		}
		after = page[len(page)-1].ID
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("scanned %v, want %v", got, ids)
	}
	_, _, err = s.ScanMessages(f.ctx, 0, 0)
	f.code(err, fechatter.EInvalid, "ScanMessages limit 0")
}

func testMemberChats(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g1 := f.group(tm.alice, tm.bob)
	g2 := f.group(tm.alice)
	chats, err := s.MemberChats(f.ctx, tm.bob.ID)
	f.ok(err, "MemberChats")
	if len(chats) != 1 || diffChat(chats[0], f.chat(g1.ID)) != "" {
		t.Fatalf("bob's chats = %+v, want %+v", chats, g1)
	}
	chats, err = s.MemberChats(f.ctx, tm.alice.ID)
	f.ok(err, "MemberChats")
	if len(chats) != 2 || chats[0].ID != g1.ID || chats[1].ID != g2.ID {
		t.Fatalf("alice's chats = %+v", chats)
	}
	f.removeMember(g1.ID, tm.bob.ID)
	chats, err = s.MemberChats(f.ctx, tm.bob.ID)
	f.ok(err, "MemberChats")
	if len(chats) != 0 {
		t.Fatalf("after removal bob's chats = %+v", chats)
	}
}
