package storetest

import (
	"testing"

	"github.com/fechatter/fechatter"
)

// testMemberCount checks that chats carry their member count through every change.
func testMemberCount(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	want := func(what string, n int64) {
		t.Helper()
		if c := f.chat(g.ID); c.MemberCount != n {
			t.Fatalf("%s: Chat.MemberCount = %d, want %d", what, c.MemberCount, n)
		}
		list, err := s.ChatsForUser(f.ctx, tm.alice.ID)
		f.ok(err, "ChatsForUser")
		for _, cs := range list {
			if cs.ID == g.ID && cs.MemberCount != n {
				t.Fatalf("%s: ChatSummary.MemberCount = %d, want %d", what, cs.MemberCount, n)
			}
		}
	}
	if g.MemberCount != 2 {
		t.Fatalf("CreateChat returned MemberCount %d, want 2", g.MemberCount)
	}
	want("after create", 2)
	_, err := s.AddMembers(f.ctx, g.ID, tm.alice.ID, []int64{tm.carol.ID, tm.bob.ID})
	f.ok(err, "AddMembers")
	want("after adding one new and one existing member", 3)
	f.removeMember(g.ID, tm.bob.ID)
	want("after removing one", 2)
}
