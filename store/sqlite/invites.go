package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

const workspaceCols = `id, name, members_can_invite, created_at`

func workspace(ctx context.Context, tx *sql.Tx, id int64) (fechatter.Workspace, error) {
	var w fechatter.Workspace
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT `+workspaceCols+` FROM workspaces WHERE id = ?`, id).
		Scan(&w.ID, &w.Name, &w.MembersCanInvite, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Workspace{}, notFound("workspace", id)
	}
	if err != nil {
		return fechatter.Workspace{}, fmt.Errorf("sqlite: workspace: %w", err)
	}
	w.CreatedAt = fromMicros(created)
	return w, nil
}

// Workspace returns a workspace.
func (db *DB) Workspace(ctx context.Context, id int64) (fechatter.Workspace, error) {
	var w fechatter.Workspace
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		w, err = workspace(ctx, tx, id)
		return err
	})
	return w, err
}

// UpdateWorkspace changes a workspace's name or invitation setting.
func (db *DB) UpdateWorkspace(ctx context.Context, id int64, u fechatter.WorkspaceUpdate) (fechatter.Workspace, error) {
	if err := u.Validate(); err != nil {
		return fechatter.Workspace{}, err
	}
	var w fechatter.Workspace
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		if w, err = workspace(ctx, tx, id); err != nil {
			return err
		}
		u.Apply(&w)
		_, err = tx.ExecContext(ctx, `UPDATE workspaces SET name = ?, members_can_invite = ? WHERE id = ?`,
			w.Name, w.MembersCanInvite, id)
		if err != nil {
			return fmt.Errorf("sqlite: update workspace: %w", err)
		}
		return nil
	})
	return w, err
}

const inviteCols = `id, workspace_id, token_hash, email, role, max_uses, uses, expires_at, created_by, created_at, revoked_at`

func scanInvite(row scanner) (fechatter.Invite, error) {
	var i fechatter.Invite
	var expires, created int64
	var revoked sql.NullInt64
	err := row.Scan(&i.ID, &i.WorkspaceID, &i.TokenHash, &i.Email, &i.Role, &i.MaxUses, &i.Uses,
		&expires, &i.CreatedBy, &created, &revoked)
	if err != nil {
		return fechatter.Invite{}, err
	}
	i.ExpiresAt, i.CreatedAt, i.RevokedAt = fromMicros(expires), fromMicros(created), fromNullMicros(revoked)
	return i, nil
}

// CreateInvite stores an invitation.
func (db *DB) CreateInvite(ctx context.Context, inv fechatter.Invite) (fechatter.Invite, error) {
	if err := inv.Validate(); err != nil {
		return fechatter.Invite{}, err
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		inv.CreatedAt, inv.Uses, inv.RevokedAt = db.clock(), 0, nil
		err := tx.QueryRowContext(ctx, `INSERT INTO invites (workspace_id, token_hash, email, role, max_uses,
			expires_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inv.WorkspaceID, inv.TokenHash, inv.Email, string(inv.Role), inv.MaxUses,
			micros(inv.ExpiresAt), inv.CreatedBy, micros(inv.CreatedAt)).Scan(&inv.ID)
		if isUnique(err) {
			return fechatter.Errorf(fechatter.EConflict, "invite token already exists")
		}
		if err != nil {
			return fmt.Errorf("sqlite: create invite: %w", err)
		}
		return nil
	})
	inv.ExpiresAt = inv.ExpiresAt.UTC().Truncate(time.Microsecond)
	return inv, err
}

// Invites lists a workspace's invitations, newest first.
func (db *DB) Invites(ctx context.Context, workspaceID int64, limit int) ([]fechatter.Invite, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	out := []fechatter.Invite{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE workspace_id = ?
			ORDER BY id DESC LIMIT ?`, workspaceID, limit)
		if err != nil {
			return fmt.Errorf("sqlite: invites: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			i, err := scanInvite(rows)
			if err != nil {
				return fmt.Errorf("sqlite: invites: %w", err)
			}
			out = append(out, i)
		}
		return rows.Err()
	})
	return out, err
}

// InviteByHash returns a usable invitation and its workspace.
func (db *DB) InviteByHash(ctx context.Context, hash string) (fechatter.Invite, fechatter.Workspace, error) {
	var inv fechatter.Invite
	var w fechatter.Workspace
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		if inv, err = usableInvite(ctx, tx, hash, db.clock()); err != nil {
			return err
		}
		w, err = workspace(ctx, tx, inv.WorkspaceID)
		return err
	})
	return inv, w, err
}

func usableInvite(ctx context.Context, tx *sql.Tx, hash string, now time.Time) (fechatter.Invite, error) {
	inv, err := scanInvite(tx.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE token_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Invite{}, fechatter.ErrBadInvite()
	}
	if err != nil {
		return fechatter.Invite{}, fmt.Errorf("sqlite: invite: %w", err)
	}
	if !inv.Usable(now) {
		return fechatter.Invite{}, fechatter.ErrBadInvite()
	}
	return inv, nil
}

// useInvite spends one use of the invitation for email and returns where it leads.
func useInvite(ctx context.Context, tx *sql.Tx, hash, email string, now time.Time) (int64, fechatter.Role, error) {
	inv, err := usableInvite(ctx, tx, hash, now)
	if err != nil {
		return 0, "", err
	}
	if !inv.Admits(email) {
		return 0, "", fechatter.ErrBadInvite()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE invites SET uses = uses + 1 WHERE id = ?`, inv.ID); err != nil {
		return 0, "", fmt.Errorf("sqlite: use invite: %w", err)
	}
	return inv.WorkspaceID, inv.Role, nil
}

// RevokeInvite revokes an invitation of the workspace.
func (db *DB) RevokeInvite(ctx context.Context, workspaceID, id, createdBy int64) (fechatter.Invite, error) {
	var inv fechatter.Invite
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		inv, err = scanInvite(tx.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE id = ? AND workspace_id = ?
			AND (? = 0 OR created_by = ?)`, id, workspaceID, createdBy, createdBy))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("invite", id)
		}
		if err != nil {
			return fmt.Errorf("sqlite: revoke invite: %w", err)
		}
		if inv.RevokedAt != nil {
			return nil
		}
		now := db.clock()
		inv.RevokedAt = &now
		_, err = tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ?`, micros(now), id)
		if err != nil {
			return fmt.Errorf("sqlite: revoke invite: %w", err)
		}
		return nil
	})
	return inv, err
}
