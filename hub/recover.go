package hub

import (
	"context"
	"sync"
	"time"
)

// Timeline events travel between nodes over the broker only once, when they commit. A node
// that was cut off from the broker (an outage, a reconnect, a slow-consumer drop) misses what
// others published meanwhile, and the others miss what it published; each receiver finds such
// a gap at the chat's next event, but a chat with no next event would keep it. Recover closes
// both sides when the broker is back.
//
// Two rules make that hold whatever the timing of the nodes' reconnects:
//   - A recovery first makes a broker round trip (Flush), so that this node's subscriptions are
//     in effect on the server before it reads the store: an event committed after the read is
//     then delivered live, one committed before it is found by the read. Reading first would
//     leave a window in which an event is neither.
//   - An event the broker refused is kept until a publish of it succeeds: every recovery and,
//     while any wait, a retry every republishEvery publish it again. A refusal that races with
//     the reconnect (the publish failed, the recovery ran, then the event was remembered) is
//     thus republished a moment later instead of waiting for the next outage.

// republishEvery is how often events the broker refused are offered again while any wait.
const republishEvery = time.Second

// unpublished remembers, per chat, the newest timeline event this node could not publish.
type unpublished struct {
	mu     sync.Mutex
	events map[int64]pubEvent
}

type pubEvent struct {
	seq  int64
	data []byte
}

func (u *unpublished) add(chatID, seq int64, data []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.events == nil {
		u.events = map[int64]pubEvent{}
	}
	if e, ok := u.events[chatID]; !ok || seq > e.seq {
		u.events[chatID] = pubEvent{seq, data}
	}
}

func (u *unpublished) take() map[int64]pubEvent {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.events
	u.events = nil
	return out
}

func (u *unpublished) waiting() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.events) > 0
}

// Recover asks for a recovery; the node calls it when the broker connection is back or the
// broker dropped events for this node. It returns at once: one goroutine of the hub recovers,
// and requests made while it runs make it run once more. A recovery publishes again the newest
// event of every chat whose publish failed, so the other nodes see how far the chat went and
// replay the rest from the store; and it asks the store, for every chat with local
// connections, whether events exist past what this node dispatched, replaying them to the
// connections that are behind.
func (h *Hub) Recover() {
	select {
	case h.recoverReq <- struct{}{}:
	default: // one is already asked for
	}
}

// recoverLoop runs recoveries when asked, and retries refused events while any wait, until
// the hub closes.
// A recovery whose store reads failed runs again at the next tick.
func (h *Hub) recoverLoop() {
	tick := time.NewTicker(republishEvery)
	defer tick.Stop()
	again := false
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-h.recoverReq:
			again = !h.recoverOnce()
		case <-tick.C:
			if again {
				again = !h.recoverOnce()
			} else if h.unpub.waiting() {
				h.republish()
			}
		}
	}
}

// recoverOnce runs one recovery; it reports false when a store read failed.
func (h *Hub) recoverOnce() bool {
	h.flush(h.ctx)
	republished, failed := h.republish()
	rooms, behind, complete := 0, 0, true
	for i := range h.rooms {
		s := &h.rooms[i]
		for _, r := range s.snapshot() {
			if h.ctx.Err() != nil {
				return true
			}
			rooms++
			found, err := h.revealAfter(s, r.id, r.last)
			if err != nil {
				complete = false
			} else if found {
				behind++
			}
		}
	}
	h.log.Info("hub: recovered timelines", "republished", republished, "republish_failed", failed,
		"rooms", rooms, "rooms_behind", behind, "complete", complete)
	return complete
}

// republish offers every refused event to the broker again, keeping those it still refuses.
func (h *Hub) republish() (ok, failed int) {
	for chatID, e := range h.unpub.take() {
		if err := h.cfg.Broker.PublishChat(chatID, e.seq, e.data); err != nil {
			h.unpub.add(chatID, e.seq, e.data)
			failed++
		} else {
			ok++
		}
	}
	return ok, failed
}

type roomSeq struct{ id, last int64 }

// snapshot lists the shard's rooms and the highest seq each dispatched.
func (s *shard) snapshot() []roomSeq {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]roomSeq, 0, len(s.rooms))
	for id, r := range s.rooms {
		out = append(out, roomSeq{id, r.lastSeq.Load()})
	}
	return out
}

// revealAfter reads whether chatID has an event past last, the highest seq the room
// dispatched, and when it does makes every local connection of the chat check the store from
// its own cursor. It reports whether there was one.
func (h *Hub) revealAfter(s *shard, chatID, last int64) (bool, error) {
	ctx, cancel := context.WithTimeout(h.ctx, storeTimeout)
	defer cancel()
	evs, err := h.cfg.Store.Events(ctx, chatID, last, 1)
	if err != nil {
		h.log.Warn("hub: recovery read failed; retrying", "chat_id", chatID, "err", err)
		return false, err
	}
	if len(evs) == 0 {
		return false, nil
	}
	s.each(chatID, 0, func(c *Client) { c.reveal(chatID, evs[0].Seq) })
	return true, nil
}

// reveal tells the connection that seq exists in chatID and makes it read the store past its
// cursor, even when the cursor is at seq already: seq is only the first event the room missed,
// and a connection's cursor can be past it (a catch-up replays whatever the store holds, ahead
// of what the room dispatched) while later events the room also missed are still unknown to it.
func (c *Client) reveal(chatID, seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cursors[chatID]
	if cur == nil {
		return
	}
	cur.pending = max(cur.pending, seq)
	if cur.live {
		c.needCatchup(chatID)
	}
}
