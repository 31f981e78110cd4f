package rest

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// getPreferences answers GET /me/preferences: the caller's notification settings and the
// marks (muted, starred, notify level) on the chats they are in.
func (s *Server) getPreferences(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.cfg.Store.Preferences(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type preferencesRequest struct {
	Notify *fechatter.NotifyLevel `json:"notify"`
	Sound  *bool                  `json:"sound"`
	// DNDUntil: absent leaves do-not-disturb alone, null turns it off, a time sets it.
	DNDUntil json.RawMessage `json:"dnd_until"`
}

// updatePreferences answers PATCH /me/preferences {notify?, sound?, dnd_until?}.
func (s *Server) updatePreferences(c *fiber.Ctx) error {
	var req preferencesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u := fechatter.PreferencesUpdate{Notify: req.Notify, Sound: req.Sound}
	if len(req.DNDUntil) > 0 {
		u.SetDND = true
		if !bytes.Equal(req.DNDUntil, []byte("null")) {
			var t time.Time
			if err := json.Unmarshal(req.DNDUntil, &t); err != nil {
				return fechatter.Errorf(fechatter.EInvalid, "field \"dnd_until\" must be an RFC 3339 time or null")
			}
			until := t.UTC()
			u.DNDUntil = &until
		}
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.cfg.Store.UpdatePreferences(ctx, currentUser(c).ID, u)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type chatPreferenceRequest struct {
	Muted   *bool                  `json:"muted"`
	Starred *bool                  `json:"starred"`
	Notify  *fechatter.NotifyLevel `json:"notify"`
}

// updateChatPreference answers PATCH /chats/{id}/preferences {muted?, starred?, notify?}:
// the caller's own marks on a chat they are a member of.
func (s *Server) updateChatPreference(c *fiber.Ctx) error {
	chat, err := s.memberChat(c, "mark it")
	if err != nil {
		return err
	}
	var req chatPreferenceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.cfg.Store.UpdateChatPreference(ctx, currentUser(c).ID, chat.ID, fechatter.ChatPreferenceUpdate{
		Muted: req.Muted, Starred: req.Starred, Notify: req.Notify,
	})
	if err != nil {
		return err
	}
	return c.JSON(p)
}
