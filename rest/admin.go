package rest

import (
	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// requireWorkspaceAdmin lets only the workspace's owner and admins through.
func (s *Server) requireWorkspaceAdmin(c *fiber.Ctx) error {
	if !currentUser(c).Role.CanManage() {
		return fechatter.Errorf(fechatter.EForbidden, "workspace admins only")
	}
	return c.Next()
}

type adminUserRequest struct {
	Role     *fechatter.Role `json:"role"`
	Disabled *bool           `json:"disabled"`
}

// adminUpdateUser changes a workspace user's role or disables them. Nobody changes the owner,
// and only the owner appoints admins.
func (s *Server) adminUpdateUser(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req adminUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Role == nil && req.Disabled == nil {
		return fechatter.Errorf(fechatter.EInvalid, "set \"role\" or \"disabled\"")
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	target, err := s.cfg.Store.User(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case target.WorkspaceID != me.WorkspaceID:
		return fechatter.Errorf(fechatter.ENotFound, "user %d not found", id)
	case target.Role == fechatter.RoleOwner:
		return fechatter.Errorf(fechatter.EForbidden, "the workspace owner cannot be changed")
	case req.Role != nil && *req.Role != fechatter.RoleAdmin && *req.Role != fechatter.RoleMember:
		return fechatter.Errorf(fechatter.EInvalid, "field \"role\" must be admin or member")
	case req.Role != nil && me.Role != fechatter.RoleOwner:
		return fechatter.Errorf(fechatter.EForbidden, "only the workspace owner changes roles")
	}
	if req.Role != nil {
		if err := s.cfg.Store.SetUserRole(ctx, id, *req.Role); err != nil {
			return err
		}
	}
	if req.Disabled != nil {
		if err := s.cfg.Store.SetUserDisabled(ctx, id, *req.Disabled); err != nil {
			return err
		}
	}
	target, err = s.cfg.Store.User(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(target)
}

// adminArchiveChat archives any chat of the workspace: it stays readable, nobody can send.
func (s *Server) adminArchiveChat(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	chat, err := s.cfg.Store.Chat(ctx, id)
	if err != nil {
		return err
	}
	if chat.WorkspaceID != currentUser(c).WorkspaceID {
		return fechatter.Errorf(fechatter.ENotFound, "chat %d not found", id)
	}
	archived := true
	chat, err = s.cfg.Store.UpdateChat(ctx, id, fechatter.ChatUpdate{Archived: &archived})
	if err != nil {
		return err
	}
	return c.JSON(chat)
}

// adminDeleteMessage removes any message of the workspace (moderation): a tombstone and a
// message_deleted event like a sender's own delete, also in chats the admin is not in.
func (s *Server) adminDeleteMessage(c *fiber.Ctx) error {
	chatID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	msgID, err := pathID(c, "message_id")
	if err != nil {
		return err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	chat, err := s.cfg.Store.Chat(ctx, chatID)
	if err != nil {
		return err
	}
	if chat.WorkspaceID != me.WorkspaceID {
		return fechatter.Errorf(fechatter.ENotFound, "chat %d not found", chatID)
	}
	ev, err := s.cfg.Store.Delete(ctx, fechatter.DeleteParams{ChatID: chatID, MessageID: msgID, ActorID: me.ID, Moderator: true})
	if err != nil {
		return err
	}
	s.cfg.Notifier.Published(ev)
	s.log.Info("rest: message removed by a workspace admin", "admin_id", me.ID, "chat_id", chatID, "message_id", msgID)
	return c.JSON(fiber.Map{"message": ev.Message})
}
