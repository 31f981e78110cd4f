package postgres_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search/searchtest"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchPlansAgree requires the plan the store chooses and the plan with the words driving to
// return the same hits in the same order.
func TestSearchPlansAgree(t *testing.T) {
	requirePG(t)
	storetest.PlansAgree(t, open(t, postgres.Options{}), postgres.ForceWordsDrive)
}

// TestSearchPlansAgreeWalkingChats requires the per-chat walk (searchByChats), starting at one
// match per chat so that most searches take several rounds, to return what the words-driven
// plan returns.
func TestSearchPlansAgreeWalkingChats(t *testing.T) {
	requirePG(t)
	db := open(t, postgres.Options{})
	defer postgres.ForceWalk()()
	storetest.PlansAgree(t, db, postgres.ForceWordsDrive)
}

// TestSearchConformanceWalkingChats runs the search conformance suite with every text search
// walking the chats.
func TestSearchConformanceWalkingChats(t *testing.T) {
	requirePG(t)
	conformanceWith(t, postgres.ForceWalk)
}

// conformanceWith runs the search conformance suite with force's plan in effect.
func conformanceWith(t *testing.T, force func() (restore func())) {
	defer force()()
	searchtest.Run(t, func(t *testing.T) searchtest.Harness {
		db := open(t, postgres.Options{})
		return searchtest.Harness{Store: db, Backend: db}
	})
}

// TestSearchPlansAgreeAcrossBlocks does the same with every text search going through the id
// blocks (migration 0011) and message ids 20,000 apart, so the hits spread over dozens of
// blocks: several steps, each with its own blocks, then everything older.
func TestSearchPlansAgreeAcrossBlocks(t *testing.T) {
	requirePG(t)
	url := createDB(t)
	db := openURL(t, url, postgres.Options{})
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), `ALTER TABLE messages ALTER COLUMN id SET INCREMENT BY 20000`); err != nil {
		t.Fatal(err)
	}
	defer postgres.ForceBlocks()()
	storetest.PlansAgree(t, db, postgres.ForceWordsDrive)
}

// TestSearchConformanceThroughBlocks runs the search conformance suite with every text search
// going through the id blocks: the plan a big installation's frequent words take must answer
// exactly as the one scan does.
func TestSearchConformanceThroughBlocks(t *testing.T) {
	requirePG(t)
	conformanceWith(t, postgres.ForceBlocks)
}

// TestSearchBlocksRankAsOneScan checks the ranking of the block plan against the one scan on
// hits whose ranks differ (a word said once, twice or three times), over ids 30,000 apart.
func TestSearchBlocksRankAsOneScan(t *testing.T) {
	requirePG(t)
	ctx := t.Context()
	url := createDB(t)
	db := openURL(t, url, postgres.Options{})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `ALTER TABLE messages ALTER COLUMN id SET INCREMENT BY 30000`); err != nil {
		t.Fatal(err)
	}
	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", PasswordHash: "x", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := db.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: u.WorkspaceID, CreatorID: u.ID, Kind: fechatter.ChatGroup, Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		text := strings.Repeat("needle ", 1+i%3) + fmt.Sprint("filler", i)
		if _, _, err := db.Send(ctx, fechatter.SendParams{ChatID: c.ID, SenderID: u.ID, ClientID: fmt.Sprint("m", i), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	q := fechatter.MessageSearch{UserID: u.ID, ChatIDs: []int64{c.ID}, Limit: 10, Offset: 5,
		Text: fechatter.TextQuery{Words: []string{"needle"}}}
	var got [2][]int64
	for i := range 2 {
		restore := func() {}
		if i == 1 {
			restore = postgres.ForceBlocks()
		}
		msgs, err := db.SearchMessages(ctx, q)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got[i] = append(got[i], m.ID)
			if i == 0 && len(got[0]) == 1 && strings.Count(m.Text, "needle") != 3 {
				t.Fatalf("the sixth hit by rank says needle %d times, want 3", strings.Count(m.Text, "needle"))
			}
		}
	}
	if len(got[0]) != 10 || !slices.Equal(got[0], got[1]) {
		t.Errorf("one scan %v, blocks %v", got[0], got[1])
	}
}
