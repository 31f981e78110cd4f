package rest

import (
	"unicode/utf8"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// logoutAll answers POST /auth/logout-all: every session of the caller ends, on every device,
// and their open sockets close with 4003.
func (s *Server) logoutAll(c *fiber.Ctx) error {
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.cfg.Store.RevokeSessions(ctx, me.ID, ""); err != nil {
		return err
	}
	s.cfg.Notifier.Revoke(me.ID, "", "", "logged out everywhere")
	return c.SendStatus(fiber.StatusNoContent)
}

type passwordRequest struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

func (r *passwordRequest) validate() error {
	if r.Current == "" || len(r.Current) > 1024 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"current_password\" is required")
	}
	if n := utf8.RuneCountInString(r.New); n < 8 || n > 128 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"new_password\" must have 8 to 128 characters")
	}
	return nil
}

// changePassword answers POST /me/password: with the current password, sets a new one and
// ends every other session of the caller (their sockets close with 4003); this one goes on.
func (s *Server) changePassword(c *fiber.Ctx) error {
	var req passwordRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	_, hash, err := s.cfg.Store.UserByEmail(ctx, me.Email)
	if err != nil {
		return err
	}
	ok, err := s.cfg.Hasher.Verify(ctx, req.Current, hash)
	if err != nil {
		return err
	}
	if !ok {
		return fechatter.Errorf(fechatter.EInvalid, "field \"current_password\" is wrong")
	}
	if hash, err = s.cfg.Hasher.Hash(ctx, req.New); err != nil {
		return err
	}
	if err := s.cfg.Store.SetPassword(ctx, me.ID, hash, currentSession(c)); err != nil {
		return err
	}
	s.cfg.Notifier.Revoke(me.ID, "", currentSession(c), "password changed")
	return c.SendStatus(fiber.StatusNoContent)
}
