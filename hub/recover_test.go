package hub

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/hub/hubtest"
	"github.com/fechatter/fechatter/internal/poll"
)

// timelineStore is a Store holding one chat's timeline; only Events is implemented.
type timelineStore struct {
	Store
	mu  sync.Mutex
	evs []fechatter.Event
}

func (s *timelineStore) Events(_ context.Context, chatID, afterSeq int64, limit int) ([]fechatter.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []fechatter.Event
	for _, ev := range s.evs {
		if ev.ChatID == chatID && ev.Seq > afterSeq && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

// seqTransport records the seq of every event written to it.
type seqTransport struct {
	mu   sync.Mutex
	seqs []int64
}

func (t *seqTransport) write(batch [][]byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, data := range batch {
		for _, line := range strings.Split(string(data), "\n") {
			var e struct{ Seq int64 }
			if json.Unmarshal([]byte(line), &e) == nil && e.Seq > 0 {
				t.seqs = append(t.seqs, e.Seq)
			}
		}
	}
	return nil
}

func (t *seqTransport) close(*Disconnect) {}

func (t *seqTransport) last() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.seqs) == 0 {
		return 0
	}
	return t.seqs[len(t.seqs)-1]
}

func messageEvents(chatID int64, n int) []fechatter.Event {
	var evs []fechatter.Event
	for seq := int64(1); seq <= int64(n); seq++ {
		evs = append(evs, fechatter.Event{ChatID: chatID, Seq: seq, Kind: fechatter.EventMessage,
			Message: fechatter.Message{ID: seq, ChatID: chatID, Seq: seq, Text: "m"}})
	}
	return evs
}

// joinAt puts a live client with its cursor at seq into the chat's room.
func joinAt(t *testing.T, h *Hub, chatID, seq int64) (*Client, *seqTransport) {
	t.Helper()
	tr := &seqTransport{}
	c := newClient(h, tr)
	c.ready = true
	c.cursors[chatID] = &cursor{seq: seq, pending: seq, live: true}
	if _, _, err := h.rooms[shardOf(chatID)].add(chatID, c, h.cfg.Broker.SubscribeChat); err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// The delivery gap the NATS-restart history run found: events committed elsewhere while the
// broker was down reach this node by no live road, so the recovery after the reconnect must
// bring every connection to the chat's end. The room dispatched up to seq 1; one connection
// is there, another already read seq 2 from the store in a catch-up (catch-ups replay past what
// the room dispatched). Telling the connections "seq 2 exists" (the first event the room
// missed) moves the first and leaves the second at 2, behind 3 for good. Both must reach 3.
func TestRecoverBringsEveryConnectionToTheChatsEnd(t *testing.T) {
	const chat = 1
	st := &timelineStore{evs: messageEvents(chat, 3)}
	b := hubtest.New()
	h := New(Config{Store: st, Broker: b})
	b.Attach(h)
	defer h.close()
	_, atRoom := joinAt(t, h, chat, 1)
	_, ahead := joinAt(t, h, chat, 2)
	h.rooms[shardOf(chat)].each(chat, 1, func(*Client) {}) // the room dispatched seq 1

	h.Recover()
	poll.CheckFor(t, 5*time.Second, "both connections at seq 3", func() bool {
		return atRoom.last() == 3 && ahead.last() == 3
	})
}

// An event the broker refused is published again by the hub itself once the broker takes it,
// even when no recovery is asked for after that (the refusal raced with the reconnect).
func TestRefusedEventIsRepublishedWithoutARecovery(t *testing.T) {
	const chat = 1
	b := hubtest.New()
	b.Refuse(nil)
	h := New(Config{Store: &timelineStore{}, Broker: b})
	b.Attach(h)
	defer h.close()
	h.publish(messageEvents(chat, 1)[0])
	if got := b.Published(chat); len(got) != 0 {
		t.Fatalf("a refused publish was recorded: %v", got)
	}
	b.Restore()
	poll.CheckFor(t, 5*time.Second, "the refused event republished", func() bool { return len(b.Published(chat)) == 1 })
}
