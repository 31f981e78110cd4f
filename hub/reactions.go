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
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	ev, changed, err := c.h.cfg.Store.React(ctx, fechatter.ReactParams{
		ChatID: f.ChatID, MessageID: f.MessageID, UserID: c.user.ID, Emoji: f.Emoji, Add: add,
	})
	c.finishTimelineChange(f, ev, changed, err)
}

// handlePin pins or unpins a message, like handleReact.
func (c *Client) handlePin(f *inFrame, pin bool) {
	if err := requireMessage(f); err != nil {
		c.replyError(f.Ref, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	ev, changed, err := c.h.cfg.Store.Pin(ctx, fechatter.PinParams{
		ChatID: f.ChatID, MessageID: f.MessageID, UserID: c.user.ID, Pin: pin,
	})
	c.finishTimelineChange(f, ev, changed, err)
}

// finishTimelineChange publishes a committed change and acks the frame with the message.
func (c *Client) finishTimelineChange(f *inFrame, ev fechatter.Event, changed bool, err error) {
	if err != nil {
		c.replyStoreError(f.Ref, err)
		return
	}
	if changed {
		c.h.publish(ev)
	}
	c.reply(encodeAck(f.Ref, ev.Message))
}
