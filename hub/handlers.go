package hub

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/fechatter/fechatter"
)

// storeTimeout bounds one store call made for a client frame.
const storeTimeout = 10 * time.Second

// handle dispatches one client frame. It runs on the connection's read goroutine, so one
// connection's frames are handled in order. Every frame is charged to the connection's
// frame limit first, parseable or not, so a flood of garbage meets the same rate_limited
// errors and close (4009) as any other flood.
//
// The frame limit keeps the node's own time: the clock it refills by runs ahead by however
// long the node was late (load.stall), so frames a client sent at its pace while the node was
// not reading them, and that the node then reads in one go, are not taken for a flood. A
// refusal says when the next frame will pass (retry_after_ms).
func (c *Client) handle(data []byte) {
	at := time.Now().Add(c.h.load.stall())
	allowed := c.limiter.AllowN(at, 1)
	f, err := decodeFrame(data)
	if !allowed {
		c.strikes++
		if c.strikes > 4*c.limiter.Burst() {
			c.close(DisconnectRateLimited)
			return
		}
		r := c.limiter.ReserveN(at, 1)
		retry := r.DelayFrom(at)
		r.CancelAt(at)
		c.replyError(f.Ref, fechatter.RateLimited(max(retry, time.Millisecond), "too many frames"))
		return
	}
	c.strikes = 0
	if err != nil {
		c.replyError(f.Ref, err)
		return
	}
	switch f.Type {
	case frameSend:
		c.handleSend(f)
	case frameEdit:
		c.handleEdit(f)
	case frameDelete:
		c.handleDelete(f)
	case frameResume:
		c.handleResume(f)
	case frameTyping:
		c.handleTyping(f)
	case frameRead:
		c.handleRead(f)
	case frameReact, frameUnreact:
		c.handleReact(f, f.Type == frameReact)
	case framePin, frameUnpin:
		c.handlePin(f, f.Type == framePin)
	case framePing:
		c.reply(encodePong(f.Ref))
	case frameAuth:
		c.handleAuth(f)
	default:
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "unknown frame type %q", f.Type))
	}
}

func requireChat(f *inFrame) error {
	if f.ChatID <= 0 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"chat_id\" is required")
	}
	return nil
}

func requireMessage(f *inFrame) error {
	if err := requireChat(f); err != nil {
		return err
	}
	if f.MessageID <= 0 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"message_id\" is required")
	}
	return nil
}

func (c *Client) handleSend(f *inFrame) {
	start := time.Now()
	if err := requireChat(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	if !fechatter.ValidClientID(f.ClientID) {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "field \"client_id\" must be a UUID"))
		return
	}
	text, err := validSend(f.Text, f.FileIDs)
	if err != nil {
		c.replyError(f.Ref, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	res, data := c.h.sends.send(ctx, fechatter.SendParams{
		ChatID: f.ChatID, SenderID: c.user.ID, ClientID: f.ClientID, Text: text, ThreadID: f.ThreadID, FileIDs: f.FileIDs,
	})
	if res.Err != nil {
		c.h.m.sends.WithLabelValues(fechatter.ErrorCode(res.Err)).Inc()
		c.replyStoreError(f.Ref, res.Err)
		return
	}
	took := time.Since(start)
	if res.Created {
		c.h.m.sends.WithLabelValues("ok").Inc()
	} else {
		c.h.m.sends.WithLabelValues("duplicate").Inc()
	}
	c.h.m.sendLatency.Observe(took.Seconds())
	c.ackSent(f.Ref, res.Event, data)
	if res.Created {
		c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageMessageSent, ChatID: f.ChatID, Code: "ws",
			Size: int64(len(text)), DurationMs: float64(took.Microseconds()) / 1000})
	}
}

func (c *Client) handleEdit(f *inFrame) {
	if err := requireMessage(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	text, err := validText(f.Text)
	if err != nil {
		c.replyError(f.Ref, err)
		return
	}
	c.changeTimeline(f, func(ctx context.Context) (fechatter.Event, bool, error) {
		ev, err := c.h.cfg.Store.Edit(ctx, fechatter.EditParams{
			ChatID: f.ChatID, MessageID: f.MessageID, EditorID: c.user.ID, Text: text,
		})
		return ev, err == nil, err
	})
}

func (c *Client) handleDelete(f *inFrame) {
	if err := requireMessage(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	c.changeTimeline(f, func(ctx context.Context) (fechatter.Event, bool, error) {
		ev, err := c.h.cfg.Store.Delete(ctx, fechatter.DeleteParams{
			ChatID: f.ChatID, MessageID: f.MessageID, ActorID: c.user.ID,
		})
		return ev, err == nil, err
	})
}

func (c *Client) handleResume(f *inFrame) {
	seqs, err := resumeMap(f.Chats)
	if err != nil {
		c.replyError(f.Ref, err)
		return
	}
	c.resumeFrom(seqs)
}

// member reports whether the connection is in the chat. Membership changes reach the
// connection as chat_joined/chat_left, so its cursors are the membership it acts on.
func (c *Client) member(chatID int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cursors[chatID] != nil
}

// handleTyping relays "user is typing" to the chat's other members, at most once per
// TypingInterval per chat; extra typing frames are dropped without a reply.
func (c *Client) handleTyping(f *inFrame) {
	if err := requireChat(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	now := time.Now()
	c.mu.Lock()
	member := c.cursors[f.ChatID] != nil
	relay := member && now.Sub(c.typingAt[f.ChatID]) >= c.h.cfg.TypingInterval
	if relay {
		if c.typingAt == nil {
			c.typingAt = map[int64]time.Time{}
		}
		c.typingAt[f.ChatID] = now
	}
	c.mu.Unlock()
	if !member {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.ENotFound, "chat %d not found", f.ChatID))
		return
	}
	if relay {
		c.h.publishEphemeral(f.ChatID, c.user.ID, encodeTyping(f.ChatID, c.user.ID))
	}
}

// handleRead moves the member's read position forward and tells the chat.
func (c *Client) handleRead(f *inFrame) {
	if err := requireChat(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	if f.Seq <= 0 {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "field \"seq\" must be a positive integer"))
		return
	}
	if !c.member(f.ChatID) {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.ENotFound, "chat %d not found", f.ChatID))
		return
	}
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	seq, err := c.h.cfg.Store.MarkRead(ctx, f.ChatID, c.user.ID, f.Seq)
	if err != nil {
		c.replyStoreError(f.Ref, err)
		return
	}
	if seq == f.Seq {
		c.h.publishEphemeral(f.ChatID, 0, encodeRead(f.ChatID, c.user.ID, seq))
	}
}

// publishEphemeral relays an event that is never stored; when the broker cannot take it, local
// members still get it.
func (h *Hub) publishEphemeral(chatID, skip int64, data []byte) {
	if err := h.cfg.Broker.PublishEphemeral(chatID, skip, data); err != nil {
		h.m.publishFailed.Inc()
		h.HandleChat(chatID, 0, skip, data)
	}
}

// publish sends a committed timeline event to every node and returns it encoded. When the
// broker cannot take it, the local members get it directly and other nodes' clients recover it
// from the store.
func (h *Hub) publish(ev fechatter.Event) []byte {
	data := encodeEvent(ev)
	if err := h.cfg.Broker.PublishChat(ev.ChatID, ev.Seq, data); err != nil {
		h.m.publishFailed.Inc()
		h.log.Warn("hub: publish failed; delivering locally", "chat_id", ev.ChatID, "seq", ev.Seq, "err", err)
		h.HandleChat(ev.ChatID, ev.Seq, 0, data)
		h.unpub.add(ev.ChatID, ev.Seq, data)
	}
	return data
}

// replyStoreError answers a failed store call: domain errors as they are, engine failures
// as a retryable "unavailable" (nothing was acknowledged; resending the same client_id is safe).
func (c *Client) replyStoreError(ref json.RawMessage, err error) {
	var e *fechatter.Error
	if errors.As(err, &e) {
		c.replyError(ref, e)
		return
	}
	c.h.log.Error("hub: store call failed", "user_id", c.user.ID, "err", err)
	c.replyError(ref, fechatter.Errorf(fechatter.EUnavailable, "storage is unavailable; retry"))
}
