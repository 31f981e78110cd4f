package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fechatter/fechatter"
)

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e fechatter.AuditEntry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (workspace_id, actor_id, action, target_type,
			target_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, e.WorkspaceID, e.ActorID, e.Action,
			e.TargetType, e.TargetID, string(e.DetailJSON()), micros(db.clock()))
		if err != nil {
			return fmt.Errorf("sqlite: audit: %w", err)
		}
		return nil
	})
}

// AuditLog pages the audit log, newest first.
func (db *DB) AuditLog(ctx context.Context, q fechatter.AuditQuery) ([]fechatter.AuditEntry, bool, error) {
	if err := fechatter.CheckLimit(q.Limit); err != nil {
		return nil, false, err
	}
	out := []fechatter.AuditEntry{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, workspace_id, actor_id, action, target_type, target_id,
			detail, created_at FROM audit_log WHERE workspace_id = ? AND (? = 0 OR id < ?)
			AND (? = '' OR action = ?) AND (? = 0 OR actor_id = ?) ORDER BY id DESC LIMIT ?`,
			q.WorkspaceID, q.Before, q.Before, q.Action, q.Action, q.ActorID, q.ActorID, q.Limit+1)
		if err != nil {
			return fmt.Errorf("sqlite: audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e fechatter.AuditEntry
			var detail string
			var created int64
			if err := rows.Scan(&e.ID, &e.WorkspaceID, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID,
				&detail, &created); err != nil {
				return fmt.Errorf("sqlite: audit log: %w", err)
			}
			e.Detail, e.CreatedAt = []byte(detail), fromMicros(created)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}
