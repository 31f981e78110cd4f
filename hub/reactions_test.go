package hub_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// Reactions and pins are timeline events: live to every member, acked with the message, a
// retried frame applies once, and a reconnecting client gets them back in order (with thread
// replies), and the read positions it missed in its ready event.
func TestReactionsAndPinsAreTimelineEvents(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		a := p.s.Dial(t, p.alice.AccessToken)
		a.Ready()
		b := p.s.Dial(t, p.bob.AccessToken)
		b.Ready()
		a.Send(sendFrame(p.chat.ID, "pick one"))
		msg := a.WaitFor(wait, ft.Type("ack")).Message
		b.WaitFor(wait, isMessage(p.chat.ID))

		react := map[string]any{"type": "react", "chat_id": p.chat.ID, "message_id": msg.ID, "emoji": "👍", "ref": "r1"}
		b.Send(react)
		if e := b.WaitFor(wait, ft.Type("ack")); string(e.Ref) != `"r1"` || len(e.Message.Reactions) != 1 {
			t.Fatalf("react ack = %s", e.Raw)
		}
		if e := a.WaitFor(wait, ft.Type("reaction")); e.Seq != 2 || e.MessageID != msg.ID || e.UserID != p.bob.User.ID || e.Emoji != "👍" || !e.Added {
			t.Fatalf("reaction event = %s", e.Raw)
		}
		b.Send(react) // the retry: acked, nothing new in the timeline
		b.WaitFor(wait, ft.Type("ack"))
		b.Send(map[string]any{"type": "react", "chat_id": p.chat.ID, "message_id": msg.ID, "emoji": "nope", "ref": "bad"})
		if e := b.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EInvalid || string(e.Ref) != `"bad"` {
			t.Fatalf("bad emoji: %s", e.Raw)
		}
		const last = 2 // bob has seen up to his reaction
		b.C.CloseNow()

		a.Send(map[string]any{"type": "unreact", "chat_id": p.chat.ID, "message_id": msg.ID, "emoji": "👍"})
		a.WaitFor(wait, ft.Type("ack")) // alice never reacted: nothing to remove
		a.Send(map[string]any{"type": "react", "chat_id": p.chat.ID, "message_id": msg.ID, "emoji": ":tada:"})
		a.WaitFor(wait, ft.Type("ack"))
		a.Send(map[string]any{"type": "pin", "chat_id": p.chat.ID, "message_id": msg.ID})
		a.WaitFor(wait, ft.Type("ack"))
		a.Send(map[string]any{"type": "send", "chat_id": p.chat.ID, "client_id": newUUID(), "text": "a reply", "thread_id": msg.ID})
		a.WaitFor(wait, ft.Type("ack"))
		a.Send(sendFrame(p.chat.ID, "after"))
		a.WaitFor(wait, ft.Type("ack"))
		a.Send(map[string]any{"type": "read", "chat_id": p.chat.ID, "seq": last + 4}) // a read bob misses
		a.WaitFor(wait, func(e ft.Event) bool { return e.Type == "read" && e.Seq == last+4 })

		b2 := p.s.DialWith(t, ft.DialOptions{})
		b2.Send(map[string]any{"type": "auth", "token": p.bob.AccessToken, "resume": map[string]int64{fmt.Sprint(p.chat.ID): last}})
		// read events are not replayed: the missed read arrives in ready
		reads := readyChats(t, b2.Ready())[p.chat.ID].Reads
		if reads == nil || !slices.Contains(*reads, fechatter.ReadPosition{UserID: p.alice.User.ID, LastReadSeq: last + 4}) {
			t.Fatalf("ready after resume lacks alice's read at %d: %+v", last+4, reads)
		}
		want := []string{"reaction", "pinned", "message", "message"}
		for i, typ := range want {
			e := b2.WaitFor(wait, func(e ft.Event) bool { return e.ChatID == p.chat.ID || e.Type == "message" })
			if e.Type != typ || e.Seq != last+int64(i)+1 {
				t.Fatalf("replay %d = %s, want %s at seq %d", i, e.Raw, typ, last+int64(i)+1)
			}
			if typ == "pinned" && (!e.Pinned || e.UserID != p.alice.User.ID) {
				t.Fatalf("pinned event = %s", e.Raw)
			}
			if i == 2 && e.Message.ThreadID != msg.ID {
				t.Fatalf("replayed thread reply = %s", e.Raw)
			}
		}
	})
}

// A mention reaches the mentioned member as a notice; a reply over the socket joins its thread.
func TestMentionNoticeAndThreadReply(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	a.Send(sendFrame(p.chat.ID, fmt.Sprintf("ping <@%d>", p.bob.User.ID)))
	root := a.WaitFor(wait, ft.Type("ack")).Message
	if e := b.WaitFor(wait, ft.Type("mention")); e.ChatID != p.chat.ID || e.MessageID != root.ID || e.Seq != root.Seq {
		t.Fatalf("mention = %s", e.Raw)
	}
	b.Send(map[string]any{"type": "send", "chat_id": p.chat.ID, "client_id": newUUID(), "text": "in thread", "thread_id": root.ID})
	if e := a.WaitFor(wait, func(e ft.Event) bool { return isMessage(p.chat.ID)(e) && e.Seq == root.Seq+1 }); e.Message.ThreadID != root.ID {
		t.Fatalf("thread reply = %s", e.Raw)
	}
}
