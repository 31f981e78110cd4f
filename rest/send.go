package rest

import (
	"context"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// Sender stores a message and publishes it; the hub implements it, so a send over REST is the
// same durable, idempotent, batched send as over the WebSocket.
type Sender interface {
	Send(ctx context.Context, p fechatter.SendParams) fechatter.SendResult
}

type sendRequest struct {
	ClientID string  `json:"client_id"`
	Text     *string `json:"text"`
	ThreadID int64   `json:"thread_id"`
	FileIDs  []int64 `json:"file_ids"`
}

// sendMessage answers POST /chats/{id}/messages: 201 with the stored message, or 200 with the
// original when the client_id was used before. Meant for clients on SSE, scripts and bots.
func (s *Server) sendMessage(c *fiber.Ctx) error {
	chatID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req sendRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if !fechatter.ValidClientID(req.ClientID) {
		return fechatter.Errorf(fechatter.EInvalid, "field \"client_id\" must be a UUID")
	}
	if req.Text == nil && len(req.FileIDs) == 0 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"text\" is required")
	}
	var text string
	if req.Text != nil {
		text = *req.Text
	}
	if err := fechatter.CheckSend(text, req.FileIDs); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	start := time.Now()
	res := s.cfg.Sender.Send(ctx, fechatter.SendParams{ChatID: chatID, SenderID: currentUser(c).ID, ClientID: req.ClientID, Text: text, ThreadID: req.ThreadID, FileIDs: req.FileIDs})
	if res.Err != nil {
		return res.Err
	}
	status := fiber.StatusCreated
	if !res.Created {
		status = fiber.StatusOK
	} else {
		s.trackUser(c, fechatter.User{}, fechatter.UsageEvent{Kind: fechatter.UsageMessageSent, ChatID: chatID, Code: "rest",
			Size: int64(len(text)), DurationMs: float64(time.Since(start).Microseconds()) / 1000})
	}
	return c.Status(status).JSON(fiber.Map{"message": res.Event.Message})
}
