package rest

import (
	"context"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// chatMessage reads the {id} and {message_id} path parameters.
func chatMessage(c *fiber.Ctx) (chatID, messageID int64, err error) {
	if chatID, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	messageID, err = pathID(c, "message_id")
	return chatID, messageID, err
}

type reactRequest struct {
	Emoji string `json:"emoji"`
}

// react answers POST /chats/{id}/messages/{message_id}/reactions {emoji} and DELETE …?emoji=:
// the same change as the socket's react/unreact frames, answered with the message as it is now.
func (s *Server) react(add bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		chatID, msgID, err := chatMessage(c)
		if err != nil {
			return err
		}
		emoji := c.Query("emoji")
		if add {
			var req reactRequest
			if err := decode(c, &req); err != nil {
				return err
			}
			emoji = req.Emoji
		}
		if emoji == "" {
			return fechatter.Errorf(fechatter.EInvalid, "field \"emoji\" is required")
		}
		return s.timelineChange(c, chatID, func(ctx context.Context) (fechatter.Event, bool, error) {
			return s.cfg.Store.React(ctx, fechatter.ReactParams{ChatID: chatID, MessageID: msgID,
				UserID: currentUser(c).ID, Emoji: emoji, Add: add})
		})
	}
}

// pin answers PUT and DELETE /chats/{id}/pins/{message_id}.
func (s *Server) pin(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		chatID, msgID, err := chatMessage(c)
		if err != nil {
			return err
		}
		return s.timelineChange(c, chatID, func(ctx context.Context) (fechatter.Event, bool, error) {
			return s.cfg.Store.Pin(ctx, fechatter.PinParams{ChatID: chatID, MessageID: msgID, UserID: currentUser(c).ID, Pin: on})
		})
	}
}

// timelineChange runs a reaction or pin through the chat's worker and answers with the message.
func (s *Server) timelineChange(c *fiber.Ctx, chatID int64, op func(context.Context) (fechatter.Event, bool, error)) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	var ev fechatter.Event
	var changed bool
	err := s.cfg.Notifier.UserChange(ctx, chatID, func(ctx context.Context) (_ []fechatter.Event, err error) {
		if ev, changed, err = op(ctx); err != nil || !changed {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": ev.Message, "changed": changed})
}

// pins answers GET /chats/{id}/pins: the pinned messages, the latest pin first (members).
func (s *Server) pins(c *fiber.Ctx) error {
	chat, err := s.memberChat(c, "read it")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	msgs, err := s.cfg.Store.Pins(ctx, chat.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"messages": msgs})
}

// save answers PUT and DELETE /me/saved/{message_id}.
func (s *Server) save(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "message_id")
		if err != nil {
			return err
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		if err := s.cfg.Store.SaveMessage(ctx, currentUser(c).ID, id, on); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// saved answers GET /me/saved?limit=: saved messages of chats one is still in, latest first.
func (s *Server) saved(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	msgs, err := s.cfg.Store.Saved(ctx, currentUser(c).ID, int(limit))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"messages": msgs})
}
