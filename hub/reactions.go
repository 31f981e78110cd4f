package hub

import (
	"context"

	"github.com/fechatter/fechatter"
)

// handleReact adds or removes the user's emoji on a message. The answer is an ack with the
// message as it is now; the reaction event, when something changed, reaches every member.
func (c *Client) handleReact(f *inFrame, add bool) {
	if err := requireMessage(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	if f.Emoji == "" {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "field \"emoji\" is required"))
		return
	}
	c.changeTimeline(f, func(ctx context.Context) (fechatter.Event, bool, error) {
		return c.h.cfg.Store.React(ctx, fechatter.ReactParams{
			ChatID: f.ChatID, MessageID: f.MessageID, UserID: c.user.ID, Emoji: f.Emoji, Add: add,
		})
	})
}

// handlePin pins or unpins a message, like handleReact.
func (c *Client) handlePin(f *inFrame, pin bool) {
	if err := requireMessage(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	c.changeTimeline(f, func(ctx context.Context) (fechatter.Event, bool, error) {
		return c.h.cfg.Store.Pin(ctx, fechatter.PinParams{
			ChatID: f.ChatID, MessageID: f.MessageID, UserID: c.user.ID, Pin: pin,
		})
	})
}

// changeTimeline runs a change of the frame's chat on the chat's worker (so it is published in
// seq order with the chat's sends) and acks the frame with the message it concerns.
func (c *Client) changeTimeline(f *inFrame, op func(ctx context.Context) (fechatter.Event, bool, error)) {
	var msg fechatter.Message
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	err := c.h.UserChange(ctx, f.ChatID, func(ctx context.Context) ([]fechatter.Event, error) {
		ev, changed, err := op(ctx)
		msg = ev.Message
		if err != nil || !changed {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	if err != nil {
		c.replyStoreError(f.Ref, err)
		return
	}
	c.ack(f.Ref, msg)
	switch f.Type {
	case frameEdit:
		c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageMessageEdited, ChatID: f.ChatID, Size: int64(len(*f.Text))})
	case frameDelete:
		c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageMessageDeleted, ChatID: f.ChatID})
	}
}
