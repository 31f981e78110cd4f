package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
)

func testSend(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	senders := []int64{tm.alice.ID, tm.bob.ID, tm.alice.ID}
	texts := []string{"one", "héllo 👋", strings.Repeat("é", fechatter.MaxTextRunes)}
	for i, text := range texts {
		clientID := fmt.Sprintf("c%d", i)
		ev := f.send(g.ID, senders[i], clientID, text)
		m := ev.Message
		if ev.Seq != int64(i+1) || ev.ChatID != g.ID || ev.Kind != fechatter.EventMessage {
			t.Fatalf("Send #%d event = %+v, want seq %d kind message", i, ev, i+1)
		}
		if m.ID == 0 || m.ChatID != g.ID || m.Seq != ev.Seq || m.SenderID != senders[i] ||
			m.ClientID != clientID || m.Text != text || m.EditedAt != nil || m.Deleted {
			t.Fatalf("Send #%d message = %s", i, fmtMessage(m))
		}
		wantUTC(t, "Message.CreatedAt", m.CreatedAt)
		if got := f.events(g.ID)[i].Message; diffMessage(got, m) != "" {
			t.Fatalf("message read back differs: %s", diffMessage(got, m))
		}
	}
	if c := f.chat(g.ID); c.LastSeq != 3 {
		t.Fatalf("Chat.LastSeq = %d after 3 sends", c.LastSeq)
	}
}

func testSendIdempotent(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	e1 := f.send(g.ID, tm.alice.ID, "c1", "hello")

	resend := func(what string) fechatter.Event {
		t.Helper()
		ev, created, err := s.Send(f.ctx, fechatter.SendParams{
			ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "c1", Text: "hello (retry)",
		})
		f.ok(err, what)
		if created || ev.Seq != e1.Seq || ev.Kind != fechatter.EventMessage || ev.ChatID != g.ID ||
			ev.Message.ID != e1.Message.ID {
			t.Fatalf("%s: created=%v event=%+v, want the original %+v", what, created, ev, e1)
		}
		return ev
	}
	if ev := resend("resend"); diffMessage(ev.Message, e1.Message) != "" {
		t.Fatalf("resend: %s", diffMessage(ev.Message, e1.Message))
	}
	if c := f.chat(g.ID); c.LastSeq != 1 || len(f.events(g.ID)) != 1 {
		t.Fatalf("a resend stored something: last_seq %d, %d events", c.LastSeq, len(f.events(g.ID)))
	}

	// The client id is unique per sender: bob may use it too.
	if e2 := f.send(g.ID, tm.bob.ID, "c1", "bob's"); e2.Seq != 2 || e2.Message.ID == e1.Message.ID {
		t.Fatalf("bob's send with alice's client id = %+v", e2)
	}
	// Reusing it in another chat is a conflict, and stores nothing there.
	g2 := f.group(tm.alice, tm.bob)
	_, _, err := s.Send(f.ctx, fechatter.SendParams{ChatID: g2.ID, SenderID: tm.alice.ID, ClientID: "c1", Text: "x"})
	f.code(err, fechatter.EConflict, "client id reused in another chat")
	if c := f.chat(g2.ID); c.LastSeq != 0 {
		t.Fatalf("a conflicting send stored something: %+v", c)
	}

	// A resend returns the message as it is now.
	_, err = s.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: e1.Message.ID, EditorID: tm.alice.ID, Text: "edited"})
	f.ok(err, "Edit")
	if ev := resend("resend after edit"); ev.Message.Text != "edited" || ev.Message.EditedAt == nil {
		t.Fatalf("resend after edit = %s", fmtMessage(ev.Message))
	}
	// A retry is acknowledged even once the chat is archived.
	archived := true
	_, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &archived})
	f.ok(err, "archive")
	resend("resend to an archived chat")
}

func testSendErrors(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	send := func(chatID, sender int64, clientID, text string) error {
		_, _, err := s.Send(f.ctx, fechatter.SendParams{ChatID: chatID, SenderID: sender, ClientID: clientID, Text: text})
		return err
	}
	f.code(send(g.ID+1000, tm.alice.ID, "x1", "hi"), fechatter.ENotFound, "Send to an unknown chat")
	f.code(send(g.ID, tm.carol.ID, "x2", "hi"), fechatter.ENotFound, "Send by a non-member")
	f.code(send(g.ID, tm.zed.ID, "x3", "hi"), fechatter.ENotFound, "Send by another workspace's user")
	f.code(send(g.ID, tm.alice.ID, "", "hi"), fechatter.EInvalid, "Send without client id")
	f.code(send(g.ID, tm.alice.ID, "x4", ""), fechatter.EInvalid, "Send without text")
	f.code(send(g.ID, tm.alice.ID, "x5", strings.Repeat("é", fechatter.MaxTextRunes+1)),
		fechatter.ETooLarge, "Send with too long a text")

	archived := true
	_, err := s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &archived})
	f.ok(err, "archive")
	f.code(send(g.ID, tm.alice.ID, "x6", "hi"), fechatter.EForbidden, "Send to an archived chat")
	archived = false
	_, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &archived})
	f.ok(err, "unarchive")
	f.removeMember(g.ID, tm.bob.ID)
	f.code(send(g.ID, tm.bob.ID, "x7", "hi"), fechatter.ENotFound, "Send by a removed member")

	// Refused sends consumed no seq (bob's removal took seq 1), and their client ids are free.
	if ev := f.send(g.ID, tm.alice.ID, "x6", "hi"); ev.Seq != 2 {
		t.Fatalf("first accepted send has seq %d, want 2", ev.Seq)
	}
}

func testEdit(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	m1 := f.send(g.ID, tm.alice.ID, "c1", "v1").Message
	f.send(g.ID, tm.bob.ID, "c2", "x")
	edit := func(chatID, msgID, editor int64, text string) (fechatter.Event, error) {
		return s.Edit(f.ctx, fechatter.EditParams{ChatID: chatID, MessageID: msgID, EditorID: editor, Text: text})
	}
	_, err := edit(g.ID, m1.ID, tm.bob.ID, "hacked")
	f.code(err, fechatter.EForbidden, "Edit by another member")
	_, err = edit(g.ID, m1.ID, tm.carol.ID, "hacked")
	f.code(err, fechatter.ENotFound, "Edit by a non-member")

	ev, err := edit(g.ID, m1.ID, tm.alice.ID, "v2")
	f.ok(err, "Edit")
	m := ev.Message
	if ev.Kind != fechatter.EventEdited || ev.Seq != 3 || ev.ChatID != g.ID {
		t.Fatalf("Edit event = %+v, want kind message_edited seq 3", ev)
	}
	if m.ID != m1.ID || m.Seq != m1.Seq || m.Text != "v2" || m.Deleted || m.EditedAt == nil ||
		!m.CreatedAt.Equal(m1.CreatedAt) || m.SenderID != m1.SenderID || m.ClientID != m1.ClientID {
		t.Fatalf("edited message = %s, original %s", fmtMessage(m), fmtMessage(m1))
	}
	wantUTC(t, "Message.EditedAt", *m.EditedAt)
	if c := f.chat(g.ID); c.LastSeq != 3 {
		t.Fatalf("Chat.LastSeq = %d after an edit, want 3", c.LastSeq)
	}
	if got := f.events(g.ID)[2].Message; diffMessage(got, m) != "" {
		t.Fatalf("edited message read back: %s", diffMessage(got, m))
	}

	_, err = edit(g.ID, m1.ID+1000, tm.alice.ID, "v3")
	f.code(err, fechatter.ENotFound, "Edit an unknown message")
	g2 := f.group(tm.alice, tm.bob)
	_, err = edit(g2.ID, m1.ID, tm.alice.ID, "v3")
	f.code(err, fechatter.ENotFound, "Edit a message through another chat")
	_, err = edit(g.ID, m1.ID, tm.alice.ID, "")
	f.code(err, fechatter.EInvalid, "Edit to an empty text")

	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m1.ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")
	_, err = edit(g.ID, m1.ID, tm.alice.ID, "zombie")
	f.code(err, fechatter.EForbidden, "Edit a deleted message")
	if c := f.chat(g.ID); c.LastSeq != 4 {
		t.Fatalf("refused edits changed last_seq: %d, want 4", c.LastSeq)
	}
}

func testDelete(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	ma := f.send(g.ID, tm.alice.ID, "a", "alice's").Message
	mb := f.send(g.ID, tm.bob.ID, "b", "bob's").Message
	mb2 := f.send(g.ID, tm.bob.ID, "b2", "bob's second").Message
	del := func(msgID, actor int64) (fechatter.Event, error) {
		return s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: msgID, ActorID: actor})
	}
	_, err := del(ma.ID, tm.bob.ID)
	f.code(err, fechatter.EForbidden, "Delete by a plain member who is not the sender")
	_, err = del(ma.ID, tm.zed.ID)
	f.code(err, fechatter.ENotFound, "Delete by a non-member")

	ev, err := del(mb.ID, tm.bob.ID)
	f.ok(err, "Delete by the sender")
	if ev.Kind != fechatter.EventDeleted || ev.Seq != 4 || ev.ChatID != g.ID {
		t.Fatalf("Delete event = %+v, want kind message_deleted seq 4", ev)
	}
	if m := ev.Message; m.ID != mb.ID || m.Seq != mb.Seq || !m.Deleted || m.Text != "" || m.SenderID != tm.bob.ID {
		t.Fatalf("deleted message = %s", fmtMessage(m))
	}
	ev, err = del(mb2.ID, tm.alice.ID)
	f.ok(err, "Delete by the chat owner")
	if ev.Seq != 5 || !ev.Message.Deleted {
		t.Fatalf("owner's Delete event = %+v", ev)
	}
	_, err = del(mb.ID, tm.bob.ID)
	f.code(err, fechatter.EForbidden, "Delete an already deleted message")
	_, err = del(ma.ID+1000, tm.alice.ID)
	f.code(err, fechatter.ENotFound, "Delete an unknown message")
	g2 := f.group(tm.alice)
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g2.ID, MessageID: ma.ID, ActorID: tm.alice.ID})
	f.code(err, fechatter.ENotFound, "Delete a message through another chat")

	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	if len(msgs) != 3 || msgs[0].Deleted || msgs[0].Text != "alice's" ||
		!msgs[1].Deleted || msgs[1].Text != "" || !msgs[2].Deleted || msgs[2].Text != "" {
		t.Fatalf("Messages after deletes: %+v", msgs)
	}
	if c := f.chat(g.ID); c.LastSeq != 5 {
		t.Fatalf("Chat.LastSeq = %d, want 5", c.LastSeq)
	}
}

func testEvents(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	m1 := f.send(g.ID, tm.alice.ID, "1", "first").Message
	m2 := f.send(g.ID, tm.bob.ID, "2", "second").Message
	edited, err := s.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: m1.ID, EditorID: tm.alice.ID, Text: "first!"})
	f.ok(err, "Edit")
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m2.ID, ActorID: tm.bob.ID})
	f.ok(err, "Delete")
	m3 := f.send(g.ID, tm.alice.ID, "3", "third").Message
	other := f.group(tm.bob, tm.alice)
	f.send(other.ID, tm.bob.ID, "o", "elsewhere")

	evs := f.events(g.ID)
	wantKinds := []fechatter.EventKind{fechatter.EventMessage, fechatter.EventMessage,
		fechatter.EventEdited, fechatter.EventDeleted, fechatter.EventMessage}
	if !slices.Equal(seqsOf(evs), []int64{1, 2, 3, 4, 5}) {
		t.Fatalf("Events seqs = %v, want 1..5", seqsOf(evs))
	}
	for i, ev := range evs {
		if ev.Kind != wantKinds[i] || ev.ChatID != g.ID {
			t.Fatalf("event %d = %+v, want kind %s", i, ev, wantKinds[i])
		}
	}
	// Every event carries the message as it is now.
	for _, i := range []int{0, 2} {
		if d := diffMessage(evs[i].Message, edited.Message); d != "" {
			t.Fatalf("event %d: %s", i, d)
		}
	}
	for _, i := range []int{1, 3} {
		if m := evs[i].Message; m.ID != m2.ID || !m.Deleted || m.Text != "" {
			t.Fatalf("event %d message = %s, want m2 tombstone", i, fmtMessage(m))
		}
	}
	if d := diffMessage(evs[4].Message, m3); d != "" {
		t.Fatalf("event 4: %s", d)
	}

	page := func(after int64, limit int, want ...int64) {
		t.Helper()
		evs, err := s.Events(f.ctx, g.ID, after, limit)
		f.ok(err, "Events")
		if got := seqsOf(evs); !slices.Equal(got, want) {
			t.Fatalf("Events(after %d, limit %d) seqs = %v, want %v", after, limit, got, want)
		}
	}
	page(2, 2, 3, 4)
	page(0, 1, 1)
	page(4, 10, 5)
	page(5, 10)
	if evs := f.events(other.ID); len(evs) != 1 || evs[0].Seq != 1 || evs[0].ChatID != other.ID {
		t.Fatalf("other chat's events = %+v", evs)
	}
	_, err = s.Events(f.ctx, g.ID+1000, 0, 10)
	f.code(err, fechatter.ENotFound, "Events of an unknown chat")
}

func testMessages(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	var sent []fechatter.Message
	for i := 1; i <= 10; i++ {
		sent = append(sent, f.send(g.ID, tm.alice.ID, fmt.Sprintf("m%d", i), fmt.Sprintf("text %d", i)).Message)
	}
	edited, err := s.Edit(f.ctx, fechatter.EditParams{ChatID: g.ID, MessageID: sent[2].ID, EditorID: tm.alice.ID, Text: "edited"})
	f.ok(err, "Edit")
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: sent[3].ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")

	page := func(q fechatter.MessageQuery, wantMore bool, want ...int64) []fechatter.Message {
		t.Helper()
		q.ChatID = g.ID
		msgs, more, err := s.Messages(f.ctx, q)
		f.ok(err, "Messages")
		if got := msgSeqs(msgs); !slices.Equal(got, want) || more != wantMore {
			t.Fatalf("Messages(%+v) = %v hasMore=%v, want %v hasMore=%v", q, got, more, want, wantMore)
		}
		return msgs
	}
	all := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	page(fechatter.MessageQuery{Limit: 3}, true, 8, 9, 10)
	page(fechatter.MessageQuery{Before: 8, Limit: 3}, true, 5, 6, 7)
	page(fechatter.MessageQuery{Before: 4, Limit: 3}, false, 1, 2, 3)
	page(fechatter.MessageQuery{Before: 3, Limit: 5}, false, 1, 2)
	page(fechatter.MessageQuery{Before: 1, Limit: 5}, false)
	page(fechatter.MessageQuery{After: 1, Limit: 4}, true, 2, 3, 4, 5)
	page(fechatter.MessageQuery{After: 7, Limit: 3}, false, 8, 9, 10) // seqs 11, 12 are not messages
	page(fechatter.MessageQuery{After: 6, Limit: 3}, true, 7, 8, 9)
	page(fechatter.MessageQuery{After: 10, Limit: 3}, false)
	page(fechatter.MessageQuery{Forward: true, Limit: 3}, true, 1, 2, 3)
	page(fechatter.MessageQuery{After: 0, Limit: 3}, true, 8, 9, 10) // without Forward: the newest page
	page(fechatter.MessageQuery{Limit: 10}, false, all...)
	page(fechatter.MessageQuery{Limit: 9}, true, all[1:]...)
	page(fechatter.MessageQuery{Before: 13, Limit: 10}, false, all...)
	msgs := page(fechatter.MessageQuery{}, false, all...) // default limit
	if d := diffMessage(msgs[2], edited.Message); d != "" {
		t.Fatalf("edited message in history: %s", d)
	}
	if !msgs[3].Deleted || msgs[3].Text != "" {
		t.Fatalf("deleted message in history = %s", fmtMessage(msgs[3]))
	}
	if d := diffMessage(msgs[9], sent[9]); d != "" {
		t.Fatalf("message in history: %s", d)
	}
}

func testMessagesErrors(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	f.send(g.ID, tm.alice.ID, "1", "one")
	_, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Before: 5, After: 1, Limit: 5})
	f.code(err, fechatter.EInvalid, "Messages with both Before and After")
	_, _, err = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: -1})
	f.code(err, fechatter.EInvalid, "Messages with a negative limit")
	_, _, err = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID + 1000, Limit: 5})
	f.code(err, fechatter.ENotFound, "Messages of an unknown chat")
	empty := f.group(tm.alice)
	msgs, more, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: empty.ID, Limit: 5})
	f.ok(err, "Messages of an empty chat")
	if len(msgs) != 0 || more {
		t.Fatalf("Messages of an empty chat = %v, %v", msgs, more)
	}
}
