package storetest

import (
	"testing"

	"github.com/fechatter/fechatter"
)

// ReadsOf gives each asked chat's member read positions in one call, as Reads does chat by
// chat; a chat not asked for, or unknown, is absent.
func testReadsOf(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws, alice, bob := tm.alice.WorkspaceID, tm.alice.ID, tm.bob.ID
	one := f.createChat(fechatter.CreateChatParams{WorkspaceID: ws, CreatorID: alice, Kind: fechatter.ChatGroup, Name: "one", MemberIDs: []int64{bob}})
	two := f.createChat(fechatter.CreateChatParams{WorkspaceID: ws, CreatorID: alice, Kind: fechatter.ChatGroup, Name: "two", MemberIDs: []int64{bob}})
	other := f.createChat(fechatter.CreateChatParams{WorkspaceID: ws, CreatorID: alice, Kind: fechatter.ChatGroup, Name: "other", MemberIDs: []int64{bob}})
	for i, c := range []int64{one.ID, one.ID, two.ID} {
		f.send(c, alice, string(rune('a'+i)), "hi")
	}
	_, err := s.MarkRead(f.ctx, one.ID, bob, 2)
	f.ok(err, "MarkRead")
	_, err = s.MarkRead(f.ctx, two.ID, alice, 1)
	f.ok(err, "MarkRead")

	got, err := s.ReadsOf(f.ctx, []int64{one.ID, two.ID, 1 << 40})
	f.ok(err, "ReadsOf")
	if len(got) != 2 || got[other.ID] != nil {
		t.Fatalf("ReadsOf = %+v, want chats %d and %d only", got, one.ID, two.ID)
	}
	for _, id := range []int64{one.ID, two.ID} {
		want, err := s.Reads(f.ctx, id)
		f.ok(err, "Reads")
		if len(got[id]) != len(want) {
			t.Fatalf("chat %d: ReadsOf %+v, Reads %+v", id, got[id], want)
		}
		for i := range want {
			if got[id][i] != want[i] {
				t.Fatalf("chat %d: ReadsOf %+v, Reads %+v", id, got[id], want)
			}
		}
	}
	if got[one.ID][1] != (fechatter.ReadPosition{UserID: bob, LastReadSeq: 2}) {
		t.Fatalf("bob's read of chat one: %+v", got[one.ID])
	}
	if empty, err := s.ReadsOf(f.ctx, nil); err != nil || len(empty) != 0 {
		t.Fatalf("ReadsOf(nil) = %+v, %v", empty, err)
	}
}
