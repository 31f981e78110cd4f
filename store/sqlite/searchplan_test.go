package sqlite_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sqlite"
)

// TestSearchPlansAgree runs searches over more chats than fewChats with the words driving and
// with the chats in the MATCH, and requires the same hits in the same order from both.
func TestSearchPlansAgree(t *testing.T) {
	db := open(t, sqlite.Options{})
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
	for i := range 120 {
		from := u.ID
		if i%3 == 0 {
			from = other.ID
		}
		_, _, err := db.Send(ctx, fechatter.SendParams{ChatID: chats[i%len(chats)], SenderID: from,
			ClientID: fmt.Sprint("m", i), Text: words[i%len(words)] + fmt.Sprint(" n", i%7)})
		if err != nil {
			t.Fatal(err)
		}
	}
	mine := chats[:10] // more than fewChats, not all of them
	for _, ms := range []fechatter.MessageSearch{
		{Text: fechatter.TextQuery{Words: []string{"common"}}},
		{Text: fechatter.TextQuery{Words: []string{"rare"}}, Recent: true},
		{Text: fechatter.TextQuery{Prefix: "com"}, Offset: 3},
		{Text: fechatter.TextQuery{Words: []string{"common"}, Excluded: [][]string{{"other"}}}},
		{Text: fechatter.TextQuery{Phrases: [][]string{{"common", "rare"}}}, Recent: true, BeforeID: 90},
		{Text: fechatter.TextQuery{Words: []string{"n3"}}, SenderIDs: []int64{other.ID}},
	} {
		ms.UserID, ms.ChatIDs, ms.Limit = u.ID, mine, 50
		var results [2][]int64
		for i, threshold := range []int64{1 << 40, 0} { // words drive; chats drive
			restore := sqlite.SetWordsDriveBelow(threshold)
			msgs, err := db.SearchMessages(ctx, ms)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if !slices.Contains(mine, m.ChatID) {
					t.Fatalf("%+v: hit in chat %d", ms.Text, m.ChatID)
				}
				results[i] = append(results[i], m.ID)
			}
		}
		if len(results[0]) == 0 || !slices.Equal(results[0], results[1]) {
			t.Errorf("%+v: words drive %v, chats drive %v", ms.Text, results[0], results[1])
		}
	}
}
