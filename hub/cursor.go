package hub

import (
	"encoding/json"
	"time"

	"github.com/fechatter/fechatter"
)

// cursor is a connection's position in one chat's timeline.
type cursor struct {
	seq     int64 // last seq queued to the client
	pending int64 // highest seq known to exist
	live    bool  // ready was sent; events may be queued
	large   bool  // more members than Config.PresenceFanout: no presence events here
}

const replayPage = 200

// take is the cursor's one rule for a live timeline event: seq is known to exist, and only the
// next one the client needs (seq = cursor+1, the chat live) moves the cursor; queue reports
// that it is to be queued now (false too when the fault injection drops it), ahead that it is
// further ahead than that (the client must catch up first). c.mu must be held.
func (cur *cursor) take(seq int64) (queue, ahead bool) {
	cur.pending = max(cur.pending, seq)
	if seq <= cur.seq || !cur.live {
		return false, false
	}
	if seq != cur.seq+1 {
		return false, true
	}
	cur.seq = seq
	return !dropDelivery(seq), false
}

// deliverTimeline queues a live timeline event if it is the next one the client needs;
// anything further ahead makes the client catch up from the store first. left is the user a
// member_left event removes: when it is this client's, the client leaves the chat there.
func (c *Client) deliverTimeline(chatID, seq int64, data []byte, left int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cursors[chatID]
	if cur == nil {
		return
	}
	switch queue, ahead := cur.take(seq); {
	case queue:
		c.sendMoved(data)
		if left != 0 && left == c.user.ID {
			c.leaveLater(chatID)
		}
	case ahead:
		c.needCatchup(chatID)
	}
}

// ackSent answers the client's accepted send. When the new message (data, its event as
// published) is the chat's next event for this connection, it goes into the ack's frame: the
// cursor moves past it here (take), so its copy arriving from the broker finds it delivered,
// and the sender's socket gets one write for its send instead of two. Otherwise (the copy came
// first, an earlier event is still on its way, a duplicate send) the ack goes alone.
func (c *Client) ackSent(ref json.RawMessage, ev fechatter.Event, data []byte) {
	c.refusals.Store(0)
	ack := encodeAck(ref, ev.Message)
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.cursors[ev.ChatID]; data != nil && !c.sse && cur != nil {
		if queue, _ := cur.take(ev.Seq); queue {
			c.w.putAll(true, data, ack)
			return
		}
	}
	c.reply(ack)
}

// deliverMember queues an ephemeral event of a chat the client is in.
func (c *Client) deliverMember(chatID int64, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.cursors[chatID]; cur != nil && cur.live {
		c.send(data)
	}
}

// needCatchup marks a chat as behind and makes sure the catch-up goroutine runs.
// c.mu must be held.
func (c *Client) needCatchup(chatID int64) {
	c.catchup[chatID] = struct{}{}
	if !c.catching && c.ready && !c.closed {
		c.catching = true
		c.h.wg.Add(1)
		go c.runCatchup()
	}
}

// resumeFrom rewinds the cursors named by a resume frame; the catch-up replays from there.
func (c *Client) resumeFrom(seqs map[int64]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, v := range seqs {
		cur := c.cursors[id]
		if cur == nil {
			continue // not a member: nothing to replay, and nothing to reveal
		}
		cur.pending = max(cur.pending, cur.seq)
		if v < cur.seq {
			cur.seq = v
		}
		if cur.pending > cur.seq {
			c.needCatchup(id)
		}
	}
}

// runCatchup replays missed events from the store until every cursor in the catch-up set has
// reached what is known to exist. One runs per client at most.
func (c *Client) runCatchup() {
	defer c.h.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		c.mu.Lock()
		chatID, ok := c.nextCatchup()
		if !ok {
			c.catching = false
			c.mu.Unlock()
			return
		}
		cur := c.cursors[chatID]
		from := cur.seq
		if cur.pending-cur.seq > int64(c.h.cfg.MaxReplay) {
			c.mu.Unlock()
			// A resync skips events, and the user's removal could be among them.
			member := c.stillMember(chatID)
			c.mu.Lock()
			if cur := c.cursors[chatID]; cur != nil && !member {
				c.leaveLater(chatID)
			} else if cur != nil {
				c.resync(chatID, cur)
			}
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()

		release, ok := c.h.replayTurn()
		if !ok {
			c.stopCatchup()
			return
		}
		evs, err := c.h.cfg.Store.Events(c.h.ctx, chatID, from, replayPage)
		release()
		if err != nil {
			if c.h.ctx.Err() != nil {
				c.stopCatchup()
				return
			}
			c.h.log.Warn("hub: replay failed, retrying", "chat_id", chatID, "err", err)
			select {
			case <-time.After(backoff):
				backoff = min(2*backoff, 5*time.Second)
			case <-c.h.ctx.Done():
				c.stopCatchup()
				return
			}
			continue
		}
		backoff = 50 * time.Millisecond
		c.applyReplay(chatID, from, evs)
	}
}

// nextCatchup picks a chat to catch up, dropping chats the client left. c.mu must be held.
func (c *Client) nextCatchup() (int64, bool) {
	if c.closed {
		return 0, false
	}
	for id := range c.catchup {
		if c.cursors[id] != nil {
			return id, true
		}
		delete(c.catchup, id)
	}
	return 0, false
}

func (c *Client) stopCatchup() {
	c.mu.Lock()
	c.catching = false
	c.mu.Unlock()
}

// applyReplay queues the replayed events that follow the cursor.
func (c *Client) applyReplay(chatID, from int64, evs []fechatter.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cursors[chatID]
	if cur == nil {
		return
	}
	before := cur.seq
	for _, ev := range evs {
		if ev.Seq > cur.pending {
			cur.pending = ev.Seq
		}
		if ev.Seq == cur.seq+1 {
			cur.seq = ev.Seq
			c.sendMoved(encodeEvent(ev))
			if ev.Kind == fechatter.EventMemberLeft && ev.UserID == c.user.ID {
				c.h.m.replayed.Add(float64(cur.seq - before))
				c.leaveLater(chatID)
				return
			}
		}
	}
	c.h.m.replayed.Add(float64(cur.seq - before))
	switch {
	case len(evs) == replayPage:
		// more pages to read
	case cur.pending <= cur.seq:
		delete(c.catchup, chatID)
	case cur.seq == before && cur.seq == from:
		// The store has nothing past the cursor although a later seq was seen: the cursor was
		// moved past what exists. Jump to what is known and let the client page history.
		c.resync(chatID, cur)
	}
}

// resync tells the client to page history over REST and moves the cursor to the newest seq
// known. c.mu must be held.
func (c *Client) resync(chatID int64, cur *cursor) {
	cur.seq = cur.pending
	c.sendMoved(encodeResync(chatID))
	delete(c.catchup, chatID)
	c.h.m.resyncs.Inc()
}
