package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fechatter/fechatter"
)

const userCols = `id, workspace_id, email, fullname, role, disabled, created_at, bot`

func scanUser(row scanner, extra ...any) (fechatter.User, error) {
	var u fechatter.User
	var created int64
	dest := append([]any{&u.ID, &u.WorkspaceID, &u.Email, &u.Fullname, &u.Role, &u.Disabled, &created, &u.Bot}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.User{}, err
	}
	u.CreatedAt = fromMicros(created)
	return u, nil
}

// Signup creates a user, and its workspace when it does not exist yet.
func (db *DB) Signup(ctx context.Context, p fechatter.SignupParams) (fechatter.User, error) {
	if err := p.Validate(); err != nil {
		return fechatter.User{}, err
	}
	var u fechatter.User
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		u, err = signup(ctx, tx, p, db.clock())
		return err
	})
	return u, err
}

func signup(ctx context.Context, tx *sql.Tx, p fechatter.SignupParams, now time.Time) (fechatter.User, error) {
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)`, p.Email).Scan(&taken); err != nil {
		return fechatter.User{}, fmt.Errorf("sqlite: signup: check email: %w", err)
	}
	if taken {
		return fechatter.User{}, fechatter.Errorf(fechatter.EConflict, "email already registered")
	}
	u := fechatter.User{Email: p.Email, Fullname: p.Fullname, Role: fechatter.RoleMember, CreatedAt: now, WorkspaceID: p.WorkspaceID}
	var err error
	switch {
	case p.InviteHash != "":
		u.WorkspaceID, u.Role, err = useInvite(ctx, tx, p.InviteHash, p.Email, now)
	case p.WorkspaceID > 0:
		_, err = workspace(ctx, tx, p.WorkspaceID)
	default:
		u.Role = fechatter.RoleOwner
		u.WorkspaceID, err = createWorkspace(ctx, tx, p.Workspace, p.OnlyFirst, now)
	}
	if err != nil {
		return fechatter.User{}, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, password_hash, fullname, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		u.WorkspaceID, u.Email, p.PasswordHash, u.Fullname, string(u.Role), micros(now)).Scan(&u.ID)
	if isUnique(err) {
		return fechatter.User{}, fechatter.Errorf(fechatter.EConflict, "email already registered")
	}
	if err != nil {
		return fechatter.User{}, fmt.Errorf("sqlite: signup: insert user: %w", err)
	}
	return u, nil
}

func createWorkspace(ctx context.Context, tx *sql.Tx, name string, onlyFirst bool, now time.Time) (int64, error) {
	if onlyFirst {
		var any bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM workspaces)`).Scan(&any); err != nil {
			return 0, fmt.Errorf("sqlite: signup: %w", err)
		}
		if any {
			return 0, fechatter.ErrInviteOnly()
		}
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO workspaces (name, created_at) VALUES (?, ?) RETURNING id`,
		name, micros(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sqlite: signup: workspace: %w", err)
	}
	return id, nil
}

// UserByEmail returns the user with email and their password hash.
func (db *DB) UserByEmail(ctx context.Context, email string) (fechatter.User, string, error) {
	var u fechatter.User
	var hash string
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		u, hash, err = userByEmail(ctx, tx, email)
		return err
	})
	return u, hash, err
}

func userByEmail(ctx context.Context, tx *sql.Tx, email string) (fechatter.User, string, error) {
	var hash string
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email = ?`, email), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.User{}, "", fechatter.Errorf(fechatter.ENotFound, "user not found")
	}
	if err != nil {
		return fechatter.User{}, "", fmt.Errorf("sqlite: user by email: %w", err)
	}
	return u, hash, nil
}

// User returns the user with id.
func (db *DB) User(ctx context.Context, id int64) (fechatter.User, error) {
	var u fechatter.User
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		u, err = userByID(ctx, tx, id)
		return err
	})
	return u, err
}

func userByID(ctx context.Context, tx *sql.Tx, id int64) (fechatter.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.User{}, notFound("user", id)
	}
	if err != nil {
		return fechatter.User{}, fmt.Errorf("sqlite: user %d: %w", id, err)
	}
	return u, nil
}

// Users lists the workspace's users whose name or email contains q, by name.
//
// SQLite's lower() folds ASCII only, so the match is case-insensitive for ASCII letters.
func (db *DB) Users(ctx context.Context, workspaceID int64, q string, limit int) ([]fechatter.User, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var us []fechatter.User
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		us, err = searchUsers(ctx, tx, workspaceID, strings.ToLower(q), limit)
		return err
	})
	return us, err
}

func searchUsers(ctx context.Context, tx *sql.Tx, workspaceID int64, q string, limit int) ([]fechatter.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+userCols+` FROM users
		WHERE workspace_id = ? AND (instr(lower(fullname), ?) > 0 OR instr(lower(email), ?) > 0)
		ORDER BY lower(fullname), id LIMIT ?`, workspaceID, q, q, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search users: %w", err)
	}
	defer rows.Close()
	us := []fechatter.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search users: scan: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search users: %w", err)
	}
	return us, nil
}

// SetUserDisabled disables or re-enables a user; disabling revokes every session.
func (db *DB) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := setUserColumn(ctx, tx, userID, "disabled", disabled); err != nil {
			return err
		}
		if disabled {
			return revokeSessions(ctx, tx, userID, "", db.clock())
		}
		return nil
	})
}

// SetPassword replaces a user's password hash and revokes every session but keep.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash, keep string) error {
	if hash == "" {
		return invalid("password hash is required")
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := setUserColumn(ctx, tx, userID, "password_hash", hash); err != nil {
			return err
		}
		return revokeSessions(ctx, tx, userID, keep, db.clock())
	})
}

// SetUserRole changes a user's workspace role.
func (db *DB) SetUserRole(ctx context.Context, userID int64, role fechatter.Role) error {
	if !role.Valid() {
		return invalid("unknown role %q", role)
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := refuseBot(ctx, tx, userID); err != nil {
			return err
		}
		return setUserColumn(ctx, tx, userID, "role", string(role))
	})
}

// setUserColumn sets one column of a user; column is a constant of this package.
func setUserColumn(ctx context.Context, tx *sql.Tx, userID int64, column string, value any) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET `+column+` = ? WHERE id = ?`, value, userID)
	if err != nil {
		return fmt.Errorf("sqlite: set user %s: %w", column, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: set user %s: %w", column, err)
	} else if n == 0 {
		return notFound("user", userID)
	}
	return nil
}
