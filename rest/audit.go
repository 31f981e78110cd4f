package rest

import (
	"encoding/json"
	"strings"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

// audit records an admin or membership action by the caller. The action has committed
// already: a failure to record it is logged, never turned into a failed request.
func (s *Server) audit(c *fiber.Ctx, action, targetType string, targetID int64, detail fiber.Map) {
	me := currentUser(c)
	e := fechatter.AuditEntry{WorkspaceID: me.WorkspaceID, ActorID: me.ID, Action: action, TargetType: targetType, TargetID: targetID}
	if len(detail) > 0 {
		e.Detail, _ = json.Marshal(detail)
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.cfg.Store.Audit(ctx, e); err != nil {
		s.log.Error("rest: audit entry not recorded", "action", action, "actor_id", me.ID, "target_id", targetID, "err", err)
		return
	}
	s.log.Info("audit", "action", action, "actor_id", me.ID, "workspace_id", me.WorkspaceID, "target_type", targetType, "target_id", targetID)
}

// auditLog answers GET /admin/audit?before=&action=&actor_id=&limit=, newest first.
func (s *Server) auditLog(c *fiber.Ctx) error {
	const maxID = 1 << 53
	before, err := queryInt(c, "before", 0, 1, maxID)
	if err != nil {
		return err
	}
	actor, err := queryInt(c, "actor_id", 0, 1, maxID)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	action := strings.TrimSpace(c.Query("action"))
	if len(action) > 64 {
		return fechatter.Errorf(fechatter.EInvalid, "query parameter \"action\" is too long")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	entries, more, err := s.cfg.Store.AuditLog(ctx, fechatter.AuditQuery{WorkspaceID: currentUser(c).WorkspaceID,
		Before: before, Action: action, ActorID: actor, Limit: int(limit)})
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"entries": entries, "has_more": more})
}
