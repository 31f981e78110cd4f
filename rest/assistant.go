package rest

import (
	"context"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/assistant"
	"github.com/gofiber/fiber/v2"
)

// Assistant is the workspace's AI member; *assistant.Service implements it. Nil: the
// assistant is off (GET /assistant says so, its other routes answer 503).
type Assistant interface {
	Info(ctx context.Context, user fechatter.User) (assistant.Info, error)
	Ask(ctx context.Context, r assistant.Request) (fechatter.Message, error)
	Cancel(ctx context.Context, user fechatter.User, messageID int64) (fechatter.Message, error)
}

func (s *Server) assistantRoutes(api fiber.Router) {
	api.Get("/assistant", s.assistantInfo)
	api.Post("/chats/:id/ask", s.ask(assistant.KindAsk))
	api.Post("/chats/:id/summary", s.ask(assistant.KindSummarize))
	api.Post("/messages/:id/translate", s.ask(assistant.KindTranslate))
	api.Post("/messages/:id/cancel", s.cancelAnswer)
}

var errAssistantOff = fechatter.Errorf(fechatter.EUnavailable, "the assistant is not configured on this server")

// assistantInfo is GET /assistant: whether the assistant is on, and its bot user (created on
// first use, so the directory lists it from then on).
func (s *Server) assistantInfo(c *fiber.Ctx) error {
	if s.cfg.Assistant == nil {
		return c.JSON(assistant.Info{})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	info, err := s.cfg.Assistant.Info(ctx, currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(info)
}

type askRequest struct {
	Text     string `json:"text"`
	ThreadID int64  `json:"thread_id"`
	Lang     string `json:"lang"`
}

// ask answers POST /chats/{id}/ask {text, thread_id}, POST /chats/{id}/summary {thread_id}
// and POST /messages/{id}/translate {lang}: 202 with the answer's message, still streaming.
func (s *Server) ask(kind assistant.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.cfg.Assistant == nil {
			return errAssistantOff
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var req askRequest
		if len(c.Body()) > 0 || kind != assistant.KindSummarize {
			if err := decode(c, &req); err != nil {
				return err
			}
		}
		r := assistant.Request{Asker: currentUser(c), Kind: kind, ChatID: id, ThreadID: req.ThreadID, Text: req.Text, Lang: req.Lang}
		if kind == assistant.KindTranslate {
			r.ChatID, r.MessageID = 0, id
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		m, err := s.cfg.Assistant.Ask(ctx, r)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"message": m})
	}
}

// cancelAnswer is POST /messages/{id}/cancel: the asker (or a chat admin) stops an answer.
func (s *Server) cancelAnswer(c *fiber.Ctx) error {
	if s.cfg.Assistant == nil {
		return errAssistantOff
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	m, err := s.cfg.Assistant.Cancel(ctx, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"message": m})
}
