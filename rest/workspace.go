package rest

import (
	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

func (s *Server) getWorkspace(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	ws, err := s.cfg.Store.Workspace(ctx, currentUser(c).WorkspaceID)
	if err != nil {
		return err
	}
	return c.JSON(ws)
}

type workspaceRequest struct {
	Name             *string `json:"name"`
	MembersCanInvite *bool   `json:"members_can_invite"`
}

// updateWorkspace answers PATCH /workspace: the owner and admins rename the workspace or let
// members invite people.
func (s *Server) updateWorkspace(c *fiber.Ctx) error {
	me := currentUser(c)
	if !me.Role.CanManage() {
		return fechatter.Errorf(fechatter.EForbidden, "workspace admins only")
	}
	var req workspaceRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	ws, err := s.cfg.Store.UpdateWorkspace(ctx, me.WorkspaceID, fechatter.WorkspaceUpdate{Name: req.Name, MembersCanInvite: req.MembersCanInvite})
	if err != nil {
		return err
	}
	s.audit(c, "workspace.update", "workspace", ws.ID, fiber.Map{"name": ws.Name, "members_can_invite": ws.MembersCanInvite})
	return c.JSON(ws)
}
