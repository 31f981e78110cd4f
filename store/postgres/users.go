package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

const userCols = `id, workspace_id, email, fullname, role, disabled, created_at, bot`

func scanUser(row scanner, extra ...any) (fechatter.User, error) {
	var u fechatter.User
	dest := append([]any{&u.ID, &u.WorkspaceID, &u.Email, &u.Fullname, &u.Role, &u.Disabled, &u.CreatedAt, &u.Bot}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.User{}, err
	}
	u.CreatedAt = utc(u.CreatedAt)
	return u, nil
}

// Signup creates a user, and its workspace when it does not exist yet.
func (db *DB) Signup(ctx context.Context, p fechatter.SignupParams) (fechatter.User, error) {
	if err := p.Validate(); err != nil {
		return fechatter.User{}, err
	}
	var u fechatter.User
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		u, err = signup(ctx, tx, p, db.clock())
		return err
	})
	return u, err
}

func signup(ctx context.Context, tx pgx.Tx, p fechatter.SignupParams, now time.Time) (fechatter.User, error) {
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)`, p.Email).Scan(&taken); err != nil {
		return fechatter.User{}, fmt.Errorf("postgres: signup: check email: %w", err)
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
	err = tx.QueryRow(ctx, `INSERT INTO users (workspace_id, email, password_hash, fullname, role, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		u.WorkspaceID, u.Email, p.PasswordHash, u.Fullname, string(u.Role), now).Scan(&u.ID)
	if isUnique(err, "users_email_key") {
		return fechatter.User{}, fechatter.Errorf(fechatter.EConflict, "email already registered")
	}
	if err != nil {
		return fechatter.User{}, fmt.Errorf("postgres: signup: insert user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with email and their password hash.
func (db *DB) UserByEmail(ctx context.Context, email string) (fechatter.User, string, error) {
	var u fechatter.User
	var hash string
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		u, hash, err = userByEmail(ctx, tx, email)
		return err
	})
	return u, hash, err
}

func userByEmail(ctx context.Context, tx pgx.Tx, email string) (fechatter.User, string, error) {
	var hash string
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE email = $1`, email), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.User{}, "", fechatter.Errorf(fechatter.ENotFound, "user not found")
	}
	if err != nil {
		return fechatter.User{}, "", fmt.Errorf("postgres: user by email: %w", err)
	}
	return u, hash, nil
}

// User returns the user with id.
func (db *DB) User(ctx context.Context, id int64) (fechatter.User, error) {
	var u fechatter.User
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		u, err = userByID(ctx, tx, id, "")
		return err
	})
	return u, err
}

// userByID reads a user; lock is "" or a locking clause such as "FOR SHARE".
func userByID(ctx context.Context, tx pgx.Tx, id int64, lock string) (fechatter.User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 `+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.User{}, notFound("user", id)
	}
	if err != nil {
		return fechatter.User{}, fmt.Errorf("postgres: user %d: %w", id, err)
	}
	return u, nil
}

// Users lists the workspace's users whose name or email contains q (case-insensitive), by name.
func (db *DB) Users(ctx context.Context, workspaceID int64, q string, limit int) ([]fechatter.User, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var us []fechatter.User
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		us, err = searchUsers(ctx, tx, workspaceID, strings.ToLower(q), limit)
		return err
	})
	return us, err
}

func searchUsers(ctx context.Context, tx pgx.Tx, workspaceID int64, q string, limit int) ([]fechatter.User, error) {
	rows, err := tx.Query(ctx, `SELECT `+userCols+` FROM users
		WHERE workspace_id = $1 AND (strpos(lower(fullname), $2) > 0 OR strpos(lower(email), $2) > 0)
		ORDER BY lower(fullname), id LIMIT $3`, workspaceID, q, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: search users: %w", err)
	}
	us, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: search users: %w", err)
	}
	return us, nil
}

// SetUserDisabled disables or re-enables a user.
func (db *DB) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	return db.update(ctx, func(tx pgx.Tx) error {
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
	return db.update(ctx, func(tx pgx.Tx) error {
		if err := setUserColumn(ctx, tx, userID, "password_hash", hash); err != nil {
			return err
		}
		return revokeSessions(ctx, tx, userID, keep, db.clock())
	})
}

// createWorkspace makes a new workspace. With onlyFirst it takes a transaction-scoped lock so
// two first signups on an empty installation cannot both succeed.
func createWorkspace(ctx context.Context, tx pgx.Tx, name string, onlyFirst bool, now time.Time) (int64, error) {
	if onlyFirst {
		var any bool
		err := tx.QueryRow(ctx, `SELECT pg_advisory_xact_lock($1), EXISTS (SELECT 1 FROM workspaces)`,
			firstSignupLock).Scan(nil, &any)
		if err != nil {
			return 0, fmt.Errorf("postgres: signup: %w", err)
		}
		if any {
			return 0, fechatter.ErrInviteOnly()
		}
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id`, name, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: signup: workspace: %w", err)
	}
	return id, nil
}

// firstSignupLock is the advisory lock key of createWorkspace's onlyFirst check.
const firstSignupLock = 0x66656368_61747431

// SetUserRole changes a user's workspace role.
func (db *DB) SetUserRole(ctx context.Context, userID int64, role fechatter.Role) error {
	if !role.Valid() {
		return invalid("unknown role %q", role)
	}
	return db.update(ctx, func(tx pgx.Tx) error {
		if err := refuseBot(ctx, tx, userID); err != nil {
			return err
		}
		return setUserColumn(ctx, tx, userID, "role", string(role))
	})
}

// setUserColumn sets one column of a user; column is a constant of this package.
func setUserColumn(ctx context.Context, tx pgx.Tx, userID int64, column string, value any) error {
	tag, err := tx.Exec(ctx, `UPDATE users SET `+column+` = $1 WHERE id = $2`, value, userID)
	if err != nil {
		return fmt.Errorf("postgres: set user %s: %w", column, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("user", userID)
	}
	return nil
}
