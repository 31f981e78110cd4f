package rest

import (
	"context"
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

// adminUpdateUser changes a workspace user's role or disables them, by the role rules of
// fechatter.CanAdminister and CanGrant: admins act on members, the owner on everyone else,
// nobody on the owner. Disabling ends every session of the user and closes their sockets.
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
	case req.Role != nil && *req.Role != fechatter.RoleAdmin && *req.Role != fechatter.RoleMember:
		return fechatter.Errorf(fechatter.EInvalid, "field \"role\" must be admin or member")
	case !fechatter.CanAdminister(me.Role, target.Role):
		return fechatter.Errorf(fechatter.EForbidden, "you cannot change a user of role %s", target.Role)
	case req.Role != nil && !fechatter.CanGrant(me.Role, *req.Role):
		return fechatter.Errorf(fechatter.EForbidden, "only the workspace owner changes roles to admin")
	}
	if req.Role != nil && *req.Role != target.Role {
		if err := s.cfg.Store.SetUserRole(ctx, id, *req.Role); err != nil {
			return err
		}
		s.audit(c, "user.role", "user", id, fiber.Map{"from": target.Role, "to": *req.Role})
	}
	if req.Disabled != nil && *req.Disabled != target.Disabled {
		if err := s.cfg.Store.SetUserDisabled(ctx, id, *req.Disabled); err != nil {
			return err
		}
		if *req.Disabled {
			s.cfg.Notifier.Revoke(id, "", "", "account disabled")
			s.audit(c, "user.disable", "user", id, nil)
		} else {
			s.audit(c, "user.enable", "user", id, nil)
		}
	}
	target, err = s.cfg.Store.User(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(target)
}

// adminChat loads a chat of the caller's workspace (ENotFound for any other).
func (s *Server) adminChat(c *fiber.Ctx) (fechatter.Chat, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return fechatter.Chat{}, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.workspaceChat(ctx, id, currentUser(c).WorkspaceID)
}

// adminArchiveChat archives any chat of the workspace: it stays readable, nobody can send,
// and only a workspace admin can un-archive it.
func (s *Server) adminArchiveChat(c *fiber.Ctx) error {
	return s.adminSetArchived(c, true)
}

func (s *Server) adminUnarchiveChat(c *fiber.Ctx) error {
	return s.adminSetArchived(c, false)
}

func (s *Server) adminSetArchived(c *fiber.Ctx, archived bool) error {
	chat, err := s.adminChat(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	chat, err = s.cfg.Store.UpdateChat(ctx, chat.ID, fechatter.ChatUpdate{Archived: &archived, ByAdmin: true})
	if err != nil {
		return err
	}
	action := "chat.archive"
	if !archived {
		action = "chat.unarchive"
	}
	s.audit(c, action, "chat", chat.ID, nil)
	return c.JSON(chat)
}

// adminDeleteMessage removes any message of the workspace (moderation): a tombstone and a
// message_deleted event like a sender's own delete, also in chats the admin is not in.
func (s *Server) adminDeleteMessage(c *fiber.Ctx) error {
	chat, err := s.adminChat(c)
	if err != nil {
		return err
	}
	msgID, err := pathID(c, "message_id")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	var ev fechatter.Event
	err = s.cfg.Notifier.Change(ctx, chat.ID, func(ctx context.Context) (_ []fechatter.Event, err error) {
		ev, err = s.cfg.Store.Delete(ctx, fechatter.DeleteParams{ChatID: chat.ID, MessageID: msgID, ActorID: currentUser(c).ID, Moderator: true})
		if err != nil {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	s.audit(c, "message.delete", "message", msgID, fiber.Map{"chat_id": chat.ID, "sender_id": ev.Message.SenderID})
	s.trackUser(c, fechatter.User{}, fechatter.UsageEvent{Kind: fechatter.UsageMessageDeleted, ChatID: chat.ID, Code: "moderation"})
	return c.JSON(fiber.Map{"message": ev.Message})
}
