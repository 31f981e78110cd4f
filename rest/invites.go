package rest

import (
	"strings"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/gofiber/fiber/v2"
)

// Invitation limits.
const (
	DefaultInviteTTL = 7 * 24 * time.Hour
	MaxInviteTTL     = 30 * 24 * time.Hour
	MinInviteTTL     = time.Minute
	MaxInviteUses    = 1000
	DefaultOpenUses  = 25 // an invite link not bound to an email
)

type inviteRequest struct {
	Email     string         `json:"email"`
	Role      fechatter.Role `json:"role"`
	MaxUses   int            `json:"max_uses"`
	ExpiresIn int64          `json:"expires_in"` // seconds
}

func (r *inviteRequest) validate() error {
	if r.Email != "" {
		e, err := normalizeEmail(r.Email)
		if err != nil {
			return err
		}
		r.Email = e
	}
	if r.Role == "" {
		r.Role = fechatter.RoleMember
	}
	if r.Role != fechatter.RoleMember && r.Role != fechatter.RoleAdmin {
		return fechatter.Errorf(fechatter.EInvalid, "field \"role\" must be member or admin")
	}
	switch {
	case r.MaxUses == 0 && r.Email != "":
		r.MaxUses = 1
	case r.MaxUses == 0:
		r.MaxUses = DefaultOpenUses
	case r.MaxUses < 1 || r.MaxUses > MaxInviteUses:
		return fechatter.Errorf(fechatter.EInvalid, "field \"max_uses\" must be from 1 to %d", MaxInviteUses)
	}
	if r.ExpiresIn == 0 {
		r.ExpiresIn = int64(DefaultInviteTTL / time.Second)
	}
	if ttl := time.Duration(r.ExpiresIn) * time.Second; ttl < MinInviteTTL || ttl > MaxInviteTTL {
		return fechatter.Errorf(fechatter.EInvalid, "field \"expires_in\" must be from %d to %d seconds",
			int64(MinInviteTTL/time.Second), int64(MaxInviteTTL/time.Second))
	}
	return nil
}

// createdInvite is an invitation as its creator sees it once: with its token and link.
type createdInvite struct {
	fechatter.Invite
	Token string `json:"token"`
	URL   string `json:"url"`
}

// createInvite answers POST /invites: the owner and admins invite (admins invite members
// only); plain members too when the workspace allows it. The token is shown once.
func (s *Server) createInvite(c *fiber.Ctx) error {
	var req inviteRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	ws, err := s.cfg.Store.Workspace(ctx, me.WorkspaceID)
	if err != nil {
		return err
	}
	if !fechatter.CanInvite(me.Role, ws) {
		return fechatter.Errorf(fechatter.EForbidden, "only workspace admins invite people here")
	}
	if !fechatter.CanGrant(me.Role, req.Role) {
		return fechatter.Errorf(fechatter.EForbidden, "only the workspace owner invites admins")
	}
	token, hash, err := auth.NewRefreshToken() // the same opaque, hashed-at-rest form
	if err != nil {
		return err
	}
	inv, err := s.cfg.Store.CreateInvite(ctx, fechatter.Invite{WorkspaceID: me.WorkspaceID, TokenHash: hash,
		Email: req.Email, Role: req.Role, MaxUses: req.MaxUses, CreatedBy: me.ID,
		ExpiresAt: s.cfg.Now().Add(time.Duration(req.ExpiresIn) * time.Second)})
	if err != nil {
		return err
	}
	s.audit(c, "invite.create", "invite", inv.ID, fiber.Map{"role": inv.Role, "email": inv.Email, "max_uses": inv.MaxUses})
	return c.Status(fiber.StatusCreated).JSON(createdInvite{Invite: inv, Token: token, URL: s.inviteURL(c, token)})
}

// inviteURL is the web client's signup page for token. The token rides in the fragment, which
// browsers never send to a server, so it stays out of access logs and Referer headers.
func (s *Server) inviteURL(c *fiber.Ctx, token string) string {
	base := strings.TrimSuffix(s.cfg.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	return base + "/invite#" + token
}

func (s *Server) listInvites(c *fiber.Ctx) error {
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	ws, err := s.cfg.Store.Workspace(ctx, me.WorkspaceID)
	if err != nil {
		return err
	}
	if !fechatter.CanInvite(me.Role, ws) {
		return fechatter.Errorf(fechatter.EForbidden, "only workspace admins see invitations here")
	}
	list, err := s.cfg.Store.Invites(ctx, me.WorkspaceID, 200)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"invites": list})
}

// revokeInvite answers DELETE /invites/{id}: workspace admins revoke any invitation, others
// their own.
func (s *Server) revokeInvite(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	createdBy := me.ID
	if me.Role.CanManage() {
		createdBy = 0 // any invitation of the workspace
	}
	if _, err := s.cfg.Store.RevokeInvite(ctx, me.WorkspaceID, id, createdBy); err != nil {
		return err
	}
	s.audit(c, "invite.revoke", "invite", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}

type invitePreviewRequest struct {
	Invite string `json:"invite"`
}

// previewInvite answers POST /auth/invite: what a valid invitation leads to, for the signup
// page ("join Acme"). A bad token gets the same answer as signup, and nothing else.
func (s *Server) previewInvite(c *fiber.Ctx) error {
	var req invitePreviewRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Invite == "" || len(req.Invite) > 128 {
		return fechatter.ErrBadInvite()
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, ws, err := s.cfg.Store.InviteByHash(ctx, auth.HashRefreshToken(req.Invite))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"workspace": fiber.Map{"id": ws.ID, "name": ws.Name}, "email": inv.Email,
		"role": inv.Role, "expires_at": inv.ExpiresAt})
}
