package hub

import (
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/hub/hubtest"
	"github.com/fechatter/fechatter/internal/poll"
)

// twoNodes starts two hubs over one in-memory broker network and one store, closed at the end.
func twoNodes(t *testing.T, st Store) (a, b *Hub, ba, bb *hubtest.Broker) {
	t.Helper()
	ba = hubtest.New()
	bb = ba.Peer()
	a = New(Config{Store: st, Broker: ba})
	ba.Attach(a)
	b = New(Config{Store: st, Broker: bb})
	bb.Attach(b)
	t.Cleanup(func() { a.close(); b.close() })
	return a, b, ba, bb
}

func (t *seqTransport) all() []int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]int64(nil), t.seqs...)
}

// A timeline event the broker refuses reaches the committing node's connections at once
// (they must not wait for the outage to end) and the other node's once the broker takes it
// again, without another event to reveal it; nobody gets it twice.
func TestRefusedPublishIsDeliveredLocallyThenToOtherNodes(t *testing.T) {
	const chat = 1
	st := &timelineStore{evs: messageEvents(chat, 1)}
	a, b, ba, _ := twoNodes(t, st)
	_, onA := joinAt(t, a, chat, 0)
	_, onB := joinAt(t, b, chat, 0)

	ba.Refuse(nil)
	a.publish(st.evs[0])
	poll.CheckFor(t, 5*time.Second, "the local connection to get seq 1 while the broker refuses", func() bool {
		return onA.last() == 1
	})
	if got := onB.all(); len(got) != 0 {
		t.Fatalf("the other node got %v through a broker that refused", got)
	}
	ba.Restore()
	poll.CheckFor(t, 5*time.Second, "the other node to get seq 1", func() bool { return onB.last() == 1 })
	if got := onA.all(); !slices.Equal(got, []int64{1}) {
		t.Fatalf("the committing node's connection got %v, want [1]", got)
	}
	if got := onB.all(); !slices.Equal(got, []int64{1}) {
		t.Fatalf("the other node's connection got %v, want [1]", got)
	}
}

// An event the broker took but lost on its way to a node (a slow-consumer drop) is read from
// the store when the chat's next event shows the gap: the connection gets both, in order.
func TestLostDeliveryIsReplayedFromTheStoreInOrder(t *testing.T) {
	const chat = 1
	st := &timelineStore{evs: messageEvents(chat, 2)}
	a, b, _, bb := twoNodes(t, st)
	_, onA := joinAt(t, a, chat, 0)
	_, onB := joinAt(t, b, chat, 0)

	bb.Lose(1)
	a.publish(st.evs[0])
	a.publish(st.evs[1])
	poll.CheckFor(t, 5*time.Second, "both connections at seq 2", func() bool {
		return onA.last() == 2 && onB.last() == 2
	})
	for name, tr := range map[string]*seqTransport{"committing": onA, "other": onB} {
		if got := tr.all(); !slices.Equal(got, []int64{1, 2}) {
			t.Fatalf("the %s node's connection got %v, want [1 2]", name, got)
		}
	}
}

// A node subscribes to a chat while it has local members in it and only then.
func TestRoomHoldsABrokerSubscriptionWhileItHasMembers(t *testing.T) {
	const chat = 1
	b := hubtest.New()
	h := New(Config{Store: &timelineStore{}, Broker: b})
	b.Attach(h)
	defer h.close()
	c1, _ := joinAt(t, h, chat, 0)
	c2, _ := joinAt(t, h, chat, 0)
	if !b.Subscribed(chat) {
		t.Fatal("no subscription with two members")
	}
	h.rooms[shardOf(chat)].remove(chat, c1)
	if !b.Subscribed(chat) {
		t.Fatal("unsubscribed while a member is left")
	}
	h.rooms[shardOf(chat)].remove(chat, c2)
	if b.Subscribed(chat) {
		t.Fatal("still subscribed after the last member left")
	}
}

// A connection added to a chat while its node cannot subscribe to the chat would miss the
// chat's live events: it is closed with 1012, so the client reconnects and resumes.
func TestJoinWithoutASubscriptionClosesForReconnect(t *testing.T) {
	const chat, user = 1, 5
	b := hubtest.New()
	h := New(Config{Store: &timelineStore{}, Broker: b})
	b.Attach(h)
	defer h.close()
	tr := &fakeTransport{release: make(chan struct{})}
	close(tr.release)
	c := newClient(h, tr)
	c.user.ID, c.ready = user, true
	if _, _, err := h.users[shardOf(user)].add(user, c, b.SubscribeUser); err != nil {
		t.Fatal(err)
	}
	b.FailSubscribe(nil)
	h.ChatJoined(fechatter.Chat{ID: chat}, []int64{user})
	got := tr.closes()
	if len(got) == 0 || got[0].Code != 1012 {
		t.Fatalf("closes = %v, want 1012", got)
	}
	if b.Subscribed(chat) {
		t.Fatal("subscribed through a broker that refuses subscriptions")
	}
}
