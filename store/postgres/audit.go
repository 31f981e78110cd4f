package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e fechatter.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_log (workspace_id, actor_id, action, target_type, target_id,
			detail, created_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`, e.WorkspaceID, e.ActorID, e.Action,
			e.TargetType, e.TargetID, string(e.DetailJSON()), db.clock())
		if err != nil {
			return fmt.Errorf("postgres: audit: %w", err)
		}
		return nil
	})
}

// AuditLog pages the audit log, newest first.
func (db *DB) AuditLog(ctx context.Context, q fechatter.AuditQuery) ([]fechatter.AuditEntry, bool, error) {
	if err := fechatter.CheckLimit(q.Limit); err != nil {
		return nil, false, err
	}
	var out []fechatter.AuditEntry
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, workspace_id, actor_id, action, target_type, target_id,
			detail::text, created_at FROM audit_log WHERE workspace_id = $1 AND ($2 = 0 OR id < $2)
			AND ($3 = '' OR action = $3) AND ($4 = 0 OR actor_id = $4) ORDER BY id DESC LIMIT $5`,
			q.WorkspaceID, q.Before, q.Action, q.ActorID, q.Limit+1)
		if err != nil {
			return fmt.Errorf("postgres: audit log: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.AuditEntry, error) {
			var e fechatter.AuditEntry
			var detail string
			err := r.Scan(&e.ID, &e.WorkspaceID, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID, &detail, &e.CreatedAt)
			e.Detail, e.CreatedAt = []byte(detail), utc(e.CreatedAt)
			return e, err
		})
		if err != nil {
			return fmt.Errorf("postgres: audit log: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if out == nil {
		out = []fechatter.AuditEntry{}
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}
