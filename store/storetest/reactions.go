package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fechatter/fechatter"
)

func testReactions(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	m := f.send(g.ID, tm.alice.ID, "r1", "react to me").Message
	react := func(user int64, emoji string, add bool) (fechatter.Event, bool, error) {
		return s.React(f.ctx, fechatter.ReactParams{ChatID: g.ID, MessageID: m.ID, UserID: user, Emoji: emoji, Add: add})
	}
	ev, changed, err := react(tm.bob.ID, "👍", true)
	f.ok(err, "React")
	if !changed || ev.Kind != fechatter.EventReaction || ev.Seq != 2 || ev.UserID != tm.bob.ID || ev.Emoji != "👍" || !ev.On ||
		len(ev.Message.Reactions) != 1 || ev.Message.Reactions[0].Count != 1 || ev.Message.ID != m.ID {
		t.Fatalf("React = %+v changed=%v", ev, changed)
	}
	// Adding again changes nothing and takes no seq: a retried frame applies once.
	if _, changed, err := react(tm.bob.ID, "👍", true); err != nil || changed {
		t.Fatalf("React again: changed=%v err=%v", changed, err)
	}
	_, _, err = react(tm.carol.ID, ":tada:", true)
	f.ok(err, "React tada")
	if _, changed, err := react(tm.carol.ID, "🎉", true); err != nil || changed {
		t.Fatalf("🎉 after :tada: is a second reaction: changed=%v err=%v", changed, err)
	}
	ev, changed, err = react(tm.bob.ID, "👍", false)
	f.ok(err, "Unreact")
	if !changed || ev.Seq != 4 || ev.On || len(ev.Message.Reactions) != 1 || ev.Message.Reactions[0].Emoji != "🎉" { // the shortcode is stored as its emoji
		t.Fatalf("Unreact = %+v", ev)
	}
	if _, changed, err := react(tm.bob.ID, "👍", false); err != nil || changed {
		t.Fatalf("Unreact again: changed=%v err=%v", changed, err)
	}
	_, _, err = react(tm.bob.ID, "not an emoji", true)
	f.code(err, fechatter.EInvalid, "React with text")
	_, _, err = react(tm.zed.ID, "👍", true)
	f.code(err, fechatter.ENotFound, "React by a stranger")
	_, _, err = s.React(f.ctx, fechatter.ReactParams{ChatID: g.ID, MessageID: m.ID + 100, UserID: tm.bob.ID, Emoji: "👍", Add: true})
	f.code(err, fechatter.ENotFound, "React to an unknown message")

	// The events replay with the message as it is now; history carries the reactions.
	evs, err := s.Events(f.ctx, g.ID, 1, 10)
	f.ok(err, "Events")
	if len(evs) != 3 || evs[0].Kind != fechatter.EventReaction || evs[0].Emoji != "👍" || !evs[0].On || evs[2].On ||
		evs[1].UserID != tm.carol.ID || len(evs[0].Message.Reactions) != 1 || evs[0].Message.Text != "react to me" {
		t.Fatalf("Events = %+v", evs)
	}
	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	if len(msgs) != 1 || len(msgs[0].Reactions) != 1 || msgs[0].Reactions[0].UserIDs[0] != tm.carol.ID {
		t.Fatalf("history = %+v", msgs)
	}
	_, _, err = s.Pin(f.ctx, fechatter.PinParams{ChatID: g.ID, MessageID: m.ID, UserID: tm.bob.ID, Pin: true})
	f.ok(err, "Pin")
	f.ok(deleteMsg(f, g.ID, m.ID, tm.alice.ID), "Delete")
	_, _, err = react(tm.bob.ID, "👍", true)
	f.code(err, fechatter.EForbidden, "React to a deleted message")
	msgs, _, err = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages after delete")
	if len(msgs[0].Reactions) != 0 || msgs[0].Pinned {
		t.Fatalf("a tombstone keeps reactions or its pin: %+v", msgs[0])
	}
}

func deleteMsg(f *fx, chatID, msgID, actor int64) error {
	_, err := f.s.Delete(f.ctx, fechatter.DeleteParams{ChatID: chatID, MessageID: msgID, ActorID: actor})
	return err
}

// Eight members react to one message at once: every reaction lands once, each with its own
// seq, gap-free with the chat's other events.
func testConcurrentReactions(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	owner := f.signup("owner@conc.io", "Conc", "Owner")
	users := []fechatter.User{}
	for i := range 8 {
		users = append(users, f.signup(fmt.Sprintf("u%d@conc.io", i), "Conc", fmt.Sprintf("U%d", i)))
	}
	g := f.group(owner, users...)
	m := f.send(g.ID, owner.ID, "c0", "popular").Message
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(users))
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, emoji := range []string{"🔥", "👍"} {
				_, _, err := s.React(f.ctx, fechatter.ReactParams{ChatID: g.ID, MessageID: m.ID, UserID: u.ID, Emoji: emoji, Add: true})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.ok(err, "concurrent React")
	}
	evs, err := s.Events(f.ctx, g.ID, 0, 100)
	f.ok(err, "Events")
	if len(evs) != 17 {
		t.Fatalf("%d events, want 1 message and 16 reactions", len(evs))
	}
	for i, ev := range evs {
		if ev.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: not gap-free", i, ev.Seq)
		}
	}
	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 1})
	f.ok(err, "Messages")
	rs := msgs[0].Reactions
	if len(rs) != 2 || rs[0].Count != 8 || rs[1].Count != 8 || len(rs[0].UserIDs) != 8 {
		t.Fatalf("reactions converged to %+v", rs)
	}
}

func testPinsAndSaved(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	m1 := f.send(g.ID, tm.alice.ID, "p1", "first").Message
	m2 := f.send(g.ID, tm.bob.ID, "p2", "second").Message
	pin := func(id int64, on bool) (fechatter.Event, bool, error) {
		return s.Pin(f.ctx, fechatter.PinParams{ChatID: g.ID, MessageID: id, UserID: tm.bob.ID, Pin: on})
	}
	ev, changed, err := pin(m1.ID, true)
	f.ok(err, "Pin")
	if !changed || ev.Kind != fechatter.EventPinned || !ev.On || !ev.Message.Pinned || ev.Seq != 3 || ev.UserID != tm.bob.ID {
		t.Fatalf("Pin = %+v", ev)
	}
	if _, changed, err := pin(m1.ID, true); err != nil || changed {
		t.Fatalf("Pin again: changed=%v err=%v", changed, err)
	}
	_, _, err = pin(m2.ID, true)
	f.ok(err, "Pin m2")
	pins, err := s.Pins(f.ctx, g.ID)
	f.ok(err, "Pins")
	if len(pins) != 2 || pins[0].ID != m2.ID || !pins[1].Pinned {
		t.Fatalf("Pins = %+v", pins)
	}
	ev, changed, err = pin(m2.ID, false)
	f.ok(err, "Unpin")
	if !changed || ev.On || ev.Message.Pinned || ev.Seq != 5 {
		t.Fatalf("Unpin = %+v", ev)
	}
	_, _, err = s.Pin(f.ctx, fechatter.PinParams{ChatID: g.ID, MessageID: m1.ID, UserID: tm.carol.ID, Pin: false})
	f.code(err, fechatter.ENotFound, "Unpin by a non-member")

	f.ok(s.SaveMessage(f.ctx, tm.bob.ID, m1.ID, true), "Save")
	f.ok(s.SaveMessage(f.ctx, tm.bob.ID, m1.ID, true), "Save again")
	f.ok(s.SaveMessage(f.ctx, tm.bob.ID, m2.ID, true), "Save m2")
	f.code(s.SaveMessage(f.ctx, tm.carol.ID, m1.ID, true), fechatter.ENotFound, "Save by a non-member")
	saved, err := s.Saved(f.ctx, tm.bob.ID, 10)
	f.ok(err, "Saved")
	if len(saved) != 2 || saved[0].ID != m2.ID {
		t.Fatalf("Saved = %+v", saved)
	}
	f.ok(s.SaveMessage(f.ctx, tm.bob.ID, m2.ID, false), "Unsave")
	f.removeMember(g.ID, tm.bob.ID)
	if saved, err := s.Saved(f.ctx, tm.bob.ID, 10); err != nil || len(saved) != 0 {
		t.Fatalf("Saved after leaving the chat = %+v, %v", saved, err)
	}
}
