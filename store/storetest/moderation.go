package storetest

import (
	"testing"

	"github.com/fechatter/fechatter"
)

// testModeratorDelete: a workspace admin moderating may delete any message, also in a chat
// they are not in and in an archived one; it is an ordinary timeline event.
func testModeratorDelete(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.bob, tm.carol)
	m := f.send(g.ID, tm.bob.ID, "m", "needs moderation").Message
	yes := true
	_, err := s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &yes})
	f.ok(err, "archive")
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: tm.alice.ID})
	f.code(err, fechatter.ENotFound, "Delete by a non-member without Moderator")
	ev, err := s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: tm.alice.ID, Moderator: true})
	f.ok(err, "moderator Delete")
	if ev.Kind != fechatter.EventDeleted || ev.Seq != 2 || !ev.Message.Deleted || ev.Message.Text != "" {
		t.Fatalf("moderator Delete event = %+v", ev)
	}
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.ID, ActorID: tm.alice.ID, Moderator: true})
	f.code(err, fechatter.EForbidden, "moderator Delete of a deleted message")
}
