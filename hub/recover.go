package hub

import (
	"context"
	"sync"
)

// Timeline events travel between nodes over the broker only once, when they commit. A node
// that was cut off from the broker (an outage, a reconnect, a slow-consumer drop) misses what
// others published meanwhile, and the others miss what it published; each receiver finds such
// a gap at the chat's next event, but a chat with no next event would keep it. Recover closes
// both sides when the broker is back.

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

// Recover runs when the broker connection is back (or dropped events): it publishes again the
// newest event of every chat whose publish failed, so the other nodes see how far the chat
// went and replay the rest from the store; and it asks the store, for every chat with local
// connections, whether events exist past what this node dispatched, replaying them to the
// connections that are behind.
func (h *Hub) Recover() {
	for chatID, e := range h.unpub.take() {
		if err := h.cfg.Broker.PublishChat(chatID, e.seq, e.data); err != nil {
			h.unpub.add(chatID, e.seq, e.data)
		}
	}
	for i := range h.rooms {
		s := &h.rooms[i]
		for _, r := range s.snapshot() {
			if h.ctx.Err() != nil {
				return
			}
			h.revealAfter(s, r.id, r.last)
		}
	}
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

// revealAfter reads whether chatID has an event past last and, when it does, makes every local
// connection of the chat catch up to it (and on from there).
func (h *Hub) revealAfter(s *shard, chatID, last int64) {
	ctx, cancel := context.WithTimeout(h.ctx, storeTimeout)
	defer cancel()
	evs, err := h.cfg.Store.Events(ctx, chatID, last, 1)
	if err != nil {
		h.log.Warn("hub: recovery read failed", "chat_id", chatID, "err", err)
		return
	}
	if len(evs) == 0 {
		return
	}
	s.each(chatID, 0, func(c *Client) { c.reveal(chatID, evs[0].Seq) })
}

// reveal tells the connection that seq exists in chatID; it catches up if it is behind.
func (c *Client) reveal(chatID, seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cursors[chatID]
	if cur == nil {
		return
	}
	cur.pending = max(cur.pending, seq)
	if cur.live && cur.pending > cur.seq {
		c.needCatchup(chatID)
	}
}
