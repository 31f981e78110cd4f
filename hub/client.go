package hub

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
	"golang.org/x/time/rate"
)

// transport is the socket under a Client. The client knows how to write a frame and how to
// close, nothing more.
type transport interface {
	// write sends one frame holding the events of batch separated by '\n'. A write that
	// hangs (the client stopped reading) makes the writer call the connection slow after
	// WriteTimeout, and the close that follows ends the write.
	write(batch [][]byte) error
	// close starts closing with d and returns at once; calling it again does nothing.
	close(d *Disconnect)
}

// Client is one authenticated connection.
type Client struct {
	h       *Hub
	t       transport
	w       writer
	limiter *rate.Limiter
	strikes int  // consecutive rate-limited frames
	sse     bool // events are framed for text/event-stream

	closing atomic.Pointer[Disconnect]
	busy    atomic.Bool  // handling a client frame
	readAt  atomic.Int64 // when the last client frame was read (Unix ns)
	// refusals counts overload refusals in a row since the last accepted change (backOff).
	refusals atomic.Int32

	mu       sync.Mutex
	user     fechatter.User
	ready    bool                  // ready has been queued; events may flow
	early    []fechatter.UserEvent // user events that arrived before ready
	cursors  map[int64]*cursor     // the chats this connection receives, by chat ID
	catchup  map[int64]struct{}    // chats whose cursor is behind the store
	catching bool                  // a catch-up goroutine is running
	closed   bool
	typingAt map[int64]time.Time // last relayed typing per chat
	presence bool                // counted online in Presence
	session  string              // the session (refresh-token family) of the access token
	expiry   *time.Timer         // closes the connection with 4001 when the token expires
}

func newClient(h *Hub, t transport) *Client {
	c := &Client{
		h:       h,
		t:       t,
		cursors: map[int64]*cursor{},
		catchup: map[int64]struct{}{},
		limiter: rate.NewLimiter(rate.Limit(h.cfg.FrameRate), int(2*h.cfg.FrameRate)),
	}
	c.w = writer{
		maxQueue: h.cfg.QueueLimit,
		maxBatch: h.cfg.BatchLimit,
		maxStall: h.cfg.WriteTimeout,
		write:    c.writeBatch,
		onSlow: func(stalled bool) {
			h.m.slowClosed.Inc()
			if stalled {
				h.m.slowStalled.Inc()
			}
			c.close(DisconnectSlow)
		},
		onError:  func(error) { c.close(DisconnectLost) },
		lost:     h.load.stall,
		waited:   h.queueWaited,
		coalesce: h.coalesce,
	}
	return c
}

func (c *Client) writeBatch(batch [][]byte) error {
	if err := c.t.write(batch); err != nil {
		return err
	}
	c.h.m.delivered.Add(float64(len(batch)))
	c.h.m.frames.Inc()
	return nil
}

// send queues an event to the client. It never blocks.
func (c *Client) send(data []byte) { c.queue(data, false) }

// reply queues the answer to a frame of the client's (an ack, an error): the client waits for
// it, so it is written at once, never held back by the coalescer.
func (c *Client) reply(data []byte) { c.queue(data, true) }

func (c *Client) queue(data []byte, now bool) {
	if c.sse {
		data = sseEvent(data, "")
	}
	c.w.put(data, now)
}

// sendMoved queues an event after which the connection's cursors changed; over SSE it
// carries the new resume cursor as its id. c.mu must be held.
func (c *Client) sendMoved(data []byte) {
	if c.sse {
		data = sseEvent(data, c.cursorToken())
	}
	c.w.enqueue(data)
}

// close closes the connection with d now, even in the middle of a frame.
func (c *Client) close(d *Disconnect) {
	if c.closing.CompareAndSwap(nil, d) {
		c.h.m.disconnects.WithLabelValues(d.Reason).Inc()
	}
	c.t.close(c.closing.Load())
}

// closeAfterFrame closes with d once the frame being handled, if any, is answered.
func (c *Client) closeAfterFrame(d *Disconnect) {
	if c.closing.CompareAndSwap(nil, d) {
		c.h.m.disconnects.WithLabelValues(d.Reason).Inc()
	}
	if !c.busy.Load() {
		c.t.close(c.closing.Load())
	}
}

// frameDone ends the handling of a frame; it reports whether the connection is closing.
func (c *Client) frameDone() bool {
	c.busy.Store(false)
	if d := c.closing.Load(); d != nil {
		c.t.close(d)
		return true
	}
	return false
}

// start registers an authenticated client and queues ready, then replays what resume says
// the client missed.
func (c *Client) start(ctx context.Context, user fechatter.User, id Identity, resume map[int64]int64) error {
	c.mu.Lock()
	c.user = user
	c.session = id.Session
	c.mu.Unlock()
	c.expireAt(id.ExpiresAt)
	h := c.h
	if _, _, err := h.users[shardOf(user.ID)].add(user.ID, c, h.cfg.Broker.SubscribeUser); err != nil {
		return err
	}
	chats, err := h.cfg.Store.ChatsForUser(ctx, user.ID)
	if err != nil {
		return err
	}
	list := make([]chatSeq, len(chats))
	c.mu.Lock()
	for i, ch := range chats {
		from := ch.LastSeq
		if v, ok := resume[ch.ID]; ok && v < from {
			from = v
		}
		c.cursors[ch.ID] = &cursor{seq: from, pending: ch.LastSeq, large: ch.MemberCount > int64(h.cfg.PresenceFanout)}
		list[i] = chatSeq{ID: ch.ID, LastSeq: ch.LastSeq, LastReadSeq: ch.LastReadSeq, Unread: ch.Unread, MentionCount: ch.MentionCount}
	}
	c.mu.Unlock()
	var fresh []int64                 // chats this connection made the node subscribe to
	seen := make([]int64, len(chats)) // what each room dispatched before this client joined
	for i, ch := range chats {
		n, last, err := h.rooms[shardOf(ch.ID)].add(ch.ID, c, h.cfg.Broker.SubscribeChat)
		if err != nil {
			return err
		}
		if n {
			fresh = append(fresh, ch.ID)
		}
		seen[i] = last
	}
	// Read positions are read once the rooms are joined: a read event published after this
	// read reaches the connection live (positions only move forward, so both are harmless).
	if err := c.h.readPositions(ctx, chats, list); err != nil {
		return err
	}
	// Counted online before ready is sent: a client that has seen ready is in every
	// presence answer, on any node.
	became := h.connected(user.ID)
	c.mu.Lock()
	for i, ch := range chats {
		if cur := c.cursors[ch.ID]; cur != nil && seen[i] > cur.pending {
			cur.pending = seen[i]
		}
	}
	c.ready = true
	c.sendMoved(encodeReady(user, list))
	for id, cur := range c.cursors {
		cur.live = true
		if cur.pending > cur.seq {
			c.needCatchup(id)
		}
	}
	early := c.early
	c.early = nil
	c.presence = true
	c.mu.Unlock()
	for _, e := range early {
		c.handleUserEvent(e)
	}
	c.recheckAfterFlush(fresh)
	if became {
		h.announcePresence(user.ID, true, c.presenceChats())
	}
	return nil
}

// recheckAfterFlush covers the moment between reading a chat's last seq and the new broker
// subscription taking effect: once the server has the subscription, the chats are checked
// against the store, off the connection's path (a broker round trip is not worth waiting for:
// the cursor catches any gap anyway at the chat's next event).
func (c *Client) recheckAfterFlush(chats []int64) {
	if len(chats) == 0 {
		return
	}
	c.h.goBackground(func() {
		c.h.flush(c.h.ctx)
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, id := range chats {
			if c.cursors[id] != nil {
				c.needCatchup(id)
			}
		}
	})
}

// stop unregisters the client from every room; called once when its connection ends.
func (c *Client) stop() {
	announce := c.presenceChats()
	c.mu.Lock()
	c.closed = true
	chats := make([]int64, 0, len(c.cursors))
	for id := range c.cursors {
		chats = append(chats, id)
	}
	c.cursors = map[int64]*cursor{}
	uid := c.user.ID
	counted := c.presence
	c.mu.Unlock()
	if counted {
		c.h.offline(uid, announce)
	}
	c.stopExpiry()
	c.w.closeWait()
	for _, id := range chats {
		c.h.rooms[shardOf(id)].remove(id, c)
	}
	if uid != 0 {
		c.h.users[shardOf(uid)].remove(uid, c)
	}
}

// handleUserEvent applies an event addressed to this client's user.
func (c *Client) handleUserEvent(e fechatter.UserEvent) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if !c.ready {
		c.early = append(c.early, e)
		c.mu.Unlock()
		return
	}
	switch e.Kind {
	case "chat_joined":
		if c.cursors[e.ChatID] != nil {
			c.mu.Unlock()
			return
		}
		c.cursors[e.ChatID] = &cursor{seq: e.Seq, pending: e.Seq, live: true}
		c.sendMoved(e.Data)
		c.mu.Unlock()
		c.joinRoom(e.ChatID)
	case "chat_left":
		left := c.leave(e.ChatID)
		c.mu.Unlock()
		if left {
			c.h.rooms[shardOf(e.ChatID)].remove(e.ChatID, c)
		}
	case kindRevoke:
		d := c.revokedBy(e.Data)
		c.mu.Unlock()
		if d != nil {
			c.closeAfterFrame(d)
		}
	default:
		c.send(e.Data)
		c.mu.Unlock()
	}
}

// joinRoom subscribes the client to a chat it was just added to, then checks the store for
// events committed before the subscription took effect.
func (c *Client) joinRoom(chatID int64) {
	fresh, last, err := c.h.rooms[shardOf(chatID)].add(chatID, c, c.h.cfg.Broker.SubscribeChat)
	if err != nil {
		c.h.log.Error("hub: subscribe to joined chat", "chat_id", chatID, "err", err)
		c.close(DisconnectRestart)
		return
	}
	if fresh {
		c.recheckAfterFlush([]int64{chatID})
		return
	}
	c.mu.Lock()
	if cur := c.cursors[chatID]; cur != nil && last > cur.seq {
		cur.pending = max(cur.pending, last)
		c.needCatchup(chatID)
	}
	c.mu.Unlock()
}

func (h *Hub) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := h.cfg.Broker.Flush(ctx); err != nil {
		h.log.Warn("hub: broker flush failed; gaps will be recovered from the store", "err", err)
	}
}

func (c *Client) replyError(ref json.RawMessage, err error) {
	code := fechatter.ErrorCode(err)
	msg := fechatter.ErrorMessage(err)
	if code == fechatter.EInternal {
		c.h.log.Error("hub: request failed", "user_id", c.userID(), "err", err)
	}
	var retry time.Duration
	if e := (*fechatter.Error)(nil); errors.As(err, &e) {
		if code == fechatter.EOverloaded {
			e = c.backOff(e)
			msg = e.Message
		}
		retry = e.RetryAfter
	}
	c.reply(encodeErrorRetry(ref, code, msg, retry))
	c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageError, Code: code, Page: "ws"})
}

// backOff lengthens an overload refusal's wait with the connection's refusals in a row:
// doubled for each one since its last accepted send or change, up to maxRetry. A crowd
// refused together then comes back spread out and less often, instead of every pending send
// of every connection every quarter second, whose refusals alone would take the node's CPU.
func (c *Client) backOff(e *fechatter.Error) *fechatter.Error {
	n := c.refusals.Add(1) - 1
	wait := e.RetryAfter << min(n, 6)
	return e.Later(min(max(wait, e.RetryAfter), maxRetry))
}

// ack answers an accepted send or change; it ends a streak of refusals (backOff).
func (c *Client) ack(ref json.RawMessage, m fechatter.Message) {
	c.refusals.Store(0)
	c.reply(encodeAck(ref, m))
}

func (c *Client) userID() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user.ID
}
