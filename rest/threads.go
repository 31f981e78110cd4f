package rest

import (
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// follow answers PUT and DELETE /chats/{id}/threads/{root_id}/follow.
func (s *Server) follow(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		chatID, rootID, err := chatThread(c)
		if err != nil {
			return err
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		if err := s.cfg.Store.FollowThread(ctx, chatID, rootID, currentUser(c).ID, on); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

type seqRequest struct {
	Seq int64 `json:"seq"`
}

func (r *seqRequest) validate() error {
	if r.Seq <= 0 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"seq\" must be a positive integer")
	}
	return nil
}

// readThread answers POST /chats/{id}/threads/{root_id}/read {seq}.
func (s *Server) readThread(c *fiber.Ctx) error {
	chatID, rootID, err := chatThread(c)
	if err != nil {
		return err
	}
	var req seqRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.cfg.Store.ReadThread(ctx, chatID, rootID, currentUser(c).ID, req.Seq); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func chatThread(c *fiber.Ctx) (chatID, rootID int64, err error) {
	if chatID, err = pathID(c, "id"); err != nil {
		return 0, 0, err
	}
	rootID, err = pathID(c, "root_id")
	return chatID, rootID, err
}

// threads answers GET /me/threads?limit=: followed threads with unread replies.
func (s *Server) threads(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	list, err := s.cfg.Store.Threads(ctx, currentUser(c).ID, int(limit))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"threads": list})
}

// channels answers GET /channels?q=&limit=: the workspace's public channels to find and join.
func (s *Server) channels(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 100 {
		return fechatter.Errorf(fechatter.EInvalid, "query parameter \"q\" is longer than 100 characters")
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	list, err := s.cfg.Store.Channels(ctx, me.WorkspaceID, me.ID, q, int(limit))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"channels": list})
}

// reads answers GET /chats/{id}/reads: every member's read position (members only).
func (s *Server) reads(c *fiber.Ctx) error {
	chat, err := s.memberChat(c, "read it")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	list, err := s.cfg.Store.Reads(ctx, chat.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reads": list})
}

// markRead answers POST /chats/{id}/read {seq}, the socket's read frame for SSE clients.
func (s *Server) markRead(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req seqRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	seq, err := s.cfg.Store.MarkRead(ctx, id, me.ID, req.Seq)
	if fechatter.ErrorCode(err) == fechatter.ENotFound {
		return chatNotFound(id)
	}
	if err != nil {
		return err
	}
	if seq == req.Seq {
		s.cfg.Notifier.Read(id, me.ID, seq)
	}
	return c.JSON(fiber.Map{"last_read_seq": seq})
}
