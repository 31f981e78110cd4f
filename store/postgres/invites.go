package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

const workspaceCols = `id, name, members_can_invite, created_at`

func workspace(ctx context.Context, tx pgx.Tx, id int64, lock ...string) (fechatter.Workspace, error) {
	var w fechatter.Workspace
	q := `SELECT ` + workspaceCols + ` FROM workspaces WHERE id = $1`
	if len(lock) > 0 {
		q += " " + lock[0]
	}
	err := tx.QueryRow(ctx, q, id).Scan(&w.ID, &w.Name, &w.MembersCanInvite, &w.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Workspace{}, notFound("workspace", id)
	}
	if err != nil {
		return fechatter.Workspace{}, fmt.Errorf("postgres: workspace: %w", err)
	}
	w.CreatedAt = utc(w.CreatedAt)
	return w, nil
}

// Workspace returns a workspace.
func (db *DB) Workspace(ctx context.Context, id int64) (fechatter.Workspace, error) {
	var w fechatter.Workspace
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
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
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		if w, err = workspace(ctx, tx, id, "FOR UPDATE"); err != nil {
			return err
		}
		u.Apply(&w)
		_, err = tx.Exec(ctx, `UPDATE workspaces SET name = $1, members_can_invite = $2 WHERE id = $3`,
			w.Name, w.MembersCanInvite, id)
		if err != nil {
			return fmt.Errorf("postgres: update workspace: %w", err)
		}
		return nil
	})
	return w, err
}

const inviteCols = `id, workspace_id, token_hash, email, role, max_uses, uses, expires_at, created_by, created_at, revoked_at`

func scanInvite(row scanner) (fechatter.Invite, error) {
	var i fechatter.Invite
	err := row.Scan(&i.ID, &i.WorkspaceID, &i.TokenHash, &i.Email, &i.Role, &i.MaxUses, &i.Uses,
		&i.ExpiresAt, &i.CreatedBy, &i.CreatedAt, &i.RevokedAt)
	if err != nil {
		return fechatter.Invite{}, err
	}
	i.ExpiresAt, i.CreatedAt, i.RevokedAt = utc(i.ExpiresAt), utc(i.CreatedAt), utcPtr(i.RevokedAt)
	return i, nil
}

// CreateInvite stores an invitation.
func (db *DB) CreateInvite(ctx context.Context, inv fechatter.Invite) (fechatter.Invite, error) {
	if err := inv.Validate(); err != nil {
		return fechatter.Invite{}, err
	}
	inv.ExpiresAt = utc(inv.ExpiresAt.Truncate(time.Microsecond))
	err := db.update(ctx, func(tx pgx.Tx) error {
		inv.CreatedAt, inv.Uses, inv.RevokedAt = db.clock(), 0, nil
		err := tx.QueryRow(ctx, `INSERT INTO invites (workspace_id, token_hash, email, role, max_uses,
			expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			inv.WorkspaceID, inv.TokenHash, inv.Email, string(inv.Role), inv.MaxUses,
			inv.ExpiresAt, inv.CreatedBy, inv.CreatedAt).Scan(&inv.ID)
		if isUnique(err, "invites_token_hash_key") {
			return fechatter.Errorf(fechatter.EConflict, "invite token already exists")
		}
		if err != nil {
			return fmt.Errorf("postgres: create invite: %w", err)
		}
		return nil
	})
	return inv, err
}

// Invites lists a workspace's invitations, newest first.
func (db *DB) Invites(ctx context.Context, workspaceID int64, limit int) ([]fechatter.Invite, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var out []fechatter.Invite
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+inviteCols+` FROM invites WHERE workspace_id = $1
			ORDER BY id DESC LIMIT $2`, workspaceID, limit)
		if err != nil {
			return fmt.Errorf("postgres: invites: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Invite, error) { return scanInvite(r) })
		if err != nil {
			return fmt.Errorf("postgres: invites: %w", err)
		}
		return nil
	})
	if out == nil && err == nil {
		out = []fechatter.Invite{}
	}
	return out, err
}

// InviteByHash returns a usable invitation and its workspace.
func (db *DB) InviteByHash(ctx context.Context, hash string) (fechatter.Invite, fechatter.Workspace, error) {
	var inv fechatter.Invite
	var w fechatter.Workspace
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		if inv, err = usableInvite(ctx, tx, hash, db.clock(), ""); err != nil {
			return err
		}
		w, err = workspace(ctx, tx, inv.WorkspaceID)
		return err
	})
	return inv, w, err
}

func usableInvite(ctx context.Context, tx pgx.Tx, hash string, now time.Time, lock string) (fechatter.Invite, error) {
	inv, err := scanInvite(tx.QueryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE token_hash = $1 `+lock, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Invite{}, fechatter.ErrBadInvite()
	}
	if err != nil {
		return fechatter.Invite{}, fmt.Errorf("postgres: invite: %w", err)
	}
	if !inv.Usable(now) {
		return fechatter.Invite{}, fechatter.ErrBadInvite()
	}
	return inv, nil
}

// useInvite spends one use of the invitation for email and returns where it leads. The row
// lock makes concurrent signups with one invitation take turns, so max_uses holds.
func useInvite(ctx context.Context, tx pgx.Tx, hash, email string, now time.Time) (int64, fechatter.Role, error) {
	inv, err := usableInvite(ctx, tx, hash, now, "FOR UPDATE")
	if err != nil {
		return 0, "", err
	}
	if !inv.Admits(email) {
		return 0, "", fechatter.ErrBadInvite()
	}
	if _, err := tx.Exec(ctx, `UPDATE invites SET uses = uses + 1 WHERE id = $1`, inv.ID); err != nil {
		return 0, "", fmt.Errorf("postgres: use invite: %w", err)
	}
	return inv.WorkspaceID, inv.Role, nil
}

// RevokeInvite revokes an invitation of the workspace.
func (db *DB) RevokeInvite(ctx context.Context, workspaceID, id, createdBy int64) (fechatter.Invite, error) {
	var inv fechatter.Invite
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		inv, err = scanInvite(tx.QueryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE id = $1 AND workspace_id = $2
			AND ($3 = 0 OR created_by = $3) FOR UPDATE`, id, workspaceID, createdBy))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("invite", id)
		}
		if err != nil {
			return fmt.Errorf("postgres: revoke invite: %w", err)
		}
		if inv.RevokedAt != nil {
			return nil
		}
		now := db.clock()
		inv.RevokedAt = &now
		if _, err := tx.Exec(ctx, `UPDATE invites SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("postgres: revoke invite: %w", err)
		}
		return nil
	})
	return inv, err
}
