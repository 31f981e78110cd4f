package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
)

// PlansAgree is for a store with two ways to run a search (the words driving, or the chats):
// it searches over more chats than a store puts into its text index and fewer than all, once
// as the store chooses and once with force() in effect until the restore it returns, and
// requires the same hits in the same order from both.
func PlansAgree(t *testing.T, db fechatter.Store, force func() (restore func())) {
	t.Helper()
	ctx := t.Context()
	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", PasswordHash: "x", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.Signup(ctx, fechatter.SignupParams{Email: "b@x.io", PasswordHash: "x", Fullname: "B", WorkspaceID: u.WorkspaceID})
	if err != nil {
		t.Fatal(err)
	}
	var chats []int64
	for i := range 12 {
		c, _, err := db.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: u.WorkspaceID, CreatorID: u.ID,
			Kind: fechatter.ChatGroup, Name: fmt.Sprint("c", i), MemberIDs: []int64{other.ID}})
		if err != nil {
			t.Fatal(err)
		}
		chats = append(chats, c.ID)
	}
	words := []string{"common", "common rare", "common other", "rare"}
	var sent []int64 // ids need not be dense (a store test may space them out)
	for i := range 120 {
		from := u.ID
		if i%3 == 0 {
			from = other.ID
		}
		ev, _, err := db.Send(ctx, fechatter.SendParams{ChatID: chats[i%len(chats)], SenderID: from,
			ClientID: fmt.Sprint("m", i), Text: words[i%len(words)] + fmt.Sprint(" n", i%7, " ", i%5)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, ev.Message.ID)
	}
	// More chats than the stores put into their full-text query (fewChats), and fewer; not all.
	for _, mine := range [][]int64{chats[:10], chats[:3]} {
		plansAgreeIn(t, db, force, u.ID, other.ID, mine, sent)
	}
}

// plansAgreeIn compares the two plans for searches of user over the chats mine.
func plansAgreeIn(t *testing.T, db fechatter.Store, force func() (restore func()), user, other int64, mine, sent []int64) {
	ctx := t.Context()
	for _, ms := range []fechatter.MessageSearch{
		{Text: fechatter.TextQuery{Words: []string{"common"}}},
		{Text: fechatter.TextQuery{Words: []string{"rare"}}, Recent: true},
		{Text: fechatter.TextQuery{Prefix: "com"}, Offset: 3},
		{Text: fechatter.TextQuery{Words: []string{"common"}, Excluded: [][]string{{"other"}}}},
		{Text: fechatter.TextQuery{Phrases: [][]string{{"common", "rare"}}}, Recent: true, BeforeID: sent[89]},
		{Text: fechatter.TextQuery{Words: []string{"n3"}}, SenderIDs: []int64{other}},
		{Text: fechatter.TextQuery{Words: []string{"3"}}}, // a number: the chat ids must not match it
	} {
		ms.UserID, ms.ChatIDs, ms.Limit = user, mine, 50
		var results [2][]int64
		for i := range 2 { // the store's own choice; the other plan forced
			restore := func() {}
			if i == 1 {
				restore = force()
			}
			msgs, err := db.SearchMessages(ctx, ms)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if !slices.Contains(mine, m.ChatID) {
					t.Fatalf("%+v: hit in chat %d", ms.Text, m.ChatID)
				}
				for _, w := range ms.Text.Words {
					if !slices.Contains(strings.Fields(m.Text), w) {
						t.Fatalf("%+v: hit %q lacks %q", ms.Text, m.Text, w)
					}
				}
				results[i] = append(results[i], m.ID)
			}
		}
		if len(results[0]) == 0 || !slices.Equal(results[0], results[1]) {
			t.Errorf("%+v: chosen plan %v, forced plan %v", ms.Text, results[0], results[1])
		}
	}
}
