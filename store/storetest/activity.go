package storetest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// MessageActivity counts a workspace's messages per hour, chat and sender, tombstones too,
// and nothing of another workspace or outside the window.
func testMessageActivity(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	d := f.group(tm.bob, tm.carol)
	other := f.group(tm.zed)
	before := time.Now().UTC().Add(-time.Hour)
	f.send(g.ID, tm.alice.ID, "00000000-0000-4000-8000-000000000001", "one")
	f.send(g.ID, tm.alice.ID, "00000000-0000-4000-8000-000000000002", "two")
	gone := f.send(g.ID, tm.bob.ID, "00000000-0000-4000-8000-000000000003", "three")
	f.send(d.ID, tm.carol.ID, "00000000-0000-4000-8000-000000000004", "four")
	f.send(other.ID, tm.zed.ID, "00000000-0000-4000-8000-000000000005", "five")
	_, err := s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: gone.Message.ID, ActorID: tm.bob.ID})
	f.ok(err, "Delete")
	after := time.Now().UTC().Add(time.Hour)

	rows, err := s.MessageActivity(f.ctx, tm.alice.WorkspaceID, before, after)
	f.ok(err, "MessageActivity")
	type key struct{ chat, sender int64 }
	got := map[key]int64{}
	for _, r := range rows {
		if !r.Hour.Equal(r.Hour.Truncate(time.Hour)) || r.Hour.Before(before.Truncate(time.Hour)) || r.Hour.After(after) {
			t.Fatalf("row hour %v is not a whole hour of the window", r.Hour)
		}
		got[key{r.ChatID, r.SenderID}] += r.Messages
	}
	want := map[key]int64{{g.ID, tm.alice.ID}: 2, {g.ID, tm.bob.ID}: 1, {d.ID, tm.carol.ID}: 1}
	if len(got) != len(want) {
		t.Fatalf("MessageActivity = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("MessageActivity = %v, want %v", got, want)
		}
	}
	rows, err = s.MessageActivity(f.ctx, tm.alice.WorkspaceID, after, after.Add(time.Hour))
	f.ok(err, "MessageActivity later")
	if len(rows) != 0 {
		t.Fatalf("a window after every message has %v", rows)
	}
}
