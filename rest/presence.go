package rest

import (
	"context"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// Presence answers who is online; presence.Memory and presence.Redis implement it.
type Presence interface {
	Online(ctx context.Context, userIDs []int64) (map[int64]bool, error)
}

// online looks users up in Presence. A presence backend that is down degrades to "unknown"
// (reported offline) rather than failing the request: presence is a hint, not data.
func (s *Server) online(ctx context.Context, ids []int64) map[int64]bool {
	if s.cfg.Presence == nil || len(ids) == 0 {
		return map[int64]bool{}
	}
	m, err := s.cfg.Presence.Online(ctx, ids)
	if err != nil {
		s.log.Warn("rest: presence unavailable, answering from this node's view", "err", err)
	}
	if m == nil {
		m = map[int64]bool{}
	}
	return m
}

type directoryUser struct {
	fechatter.User
	Online bool `json:"online"`
}

// chatPresence answers GET /chats/{id}/presence: which members are online.
func (s *Server) chatPresence(c *fiber.Ctx) error {
	chat, err := s.memberChat(c, "see who is here")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	on := s.online(ctx, chat.MemberIDs)
	ids := []int64{}
	for _, id := range chat.MemberIDs {
		if on[id] {
			ids = append(ids, id)
		}
	}
	return c.JSON(fiber.Map{"chat_id": chat.ID, "online": ids})
}
