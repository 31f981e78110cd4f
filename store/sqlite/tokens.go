package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// CreateRefreshToken stores a new refresh token (a login starts a family).
func (db *DB) CreateRefreshToken(ctx context.Context, t fechatter.RefreshToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		return createRefreshToken(ctx, tx, t, db.clock())
	})
}

func createRefreshToken(ctx context.Context, tx *sql.Tx, t fechatter.RefreshToken, now time.Time) error {
	if _, err := userByID(ctx, tx, t.UserID); err != nil {
		return err
	}
	return insertRefreshToken(ctx, tx, t, now)
}

func insertRefreshToken(ctx context.Context, tx *sql.Tx, t fechatter.RefreshToken, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, t.Hash, t.UserID, t.FamilyID, micros(t.ExpiresAt), micros(now))
	if isUnique(err) {
		return fechatter.Errorf(fechatter.EConflict, "refresh token already exists")
	}
	if err != nil {
		return fmt.Errorf("sqlite: insert refresh token: %w", err)
	}
	return nil
}

// RotateRefreshToken consumes the token with oldHash and stores next in its family. Replaying
// a used token revokes the family; that revocation is committed although the call fails.
func (db *DB) RotateRefreshToken(ctx context.Context, oldHash string, next fechatter.RefreshToken) (fechatter.User, string, error) {
	if next.Hash == "" {
		return fechatter.User{}, "", invalid("refresh token hash is required")
	}
	var u fechatter.User
	var replayed bool
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		u, replayed, err = rotateRefresh(ctx, tx, oldHash, &next, db.clock())
		return err
	})
	if err == nil && replayed {
		return fechatter.User{}, "", fechatter.Errorf(fechatter.EUnauthorized, "refresh token reused; session revoked")
	}
	if err != nil {
		return fechatter.User{}, "", err
	}
	return u, next.FamilyID, nil
}

// rotateRefresh returns replayed=true, with the family revoked, when the token was used
// before; the caller commits and then fails.
func rotateRefresh(ctx context.Context, tx *sql.Tx, oldHash string, next *fechatter.RefreshToken, now time.Time) (fechatter.User, bool, error) {
	var userID, expires int64
	var family string
	var used, revoked sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT user_id, family_id, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE hash = ?`, oldHash).Scan(&userID, &family, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "invalid refresh token")
	}
	if err != nil {
		return fechatter.User{}, false, fmt.Errorf("sqlite: rotate refresh token: %w", err)
	}
	switch {
	case revoked.Valid:
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "refresh token revoked")
	case used.Valid:
		return fechatter.User{}, true, revokeFamily(ctx, tx, family, now)
	case expires <= micros(now):
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "refresh token expired")
	}
	u, err := userByID(ctx, tx, userID)
	if err != nil {
		return fechatter.User{}, false, err
	}
	if u.Disabled {
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "account disabled")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE hash = ?`, micros(now), oldHash); err != nil {
		return fechatter.User{}, false, fmt.Errorf("sqlite: mark refresh token used: %w", err)
	}
	next.UserID, next.FamilyID = userID, family
	if err := insertRefreshToken(ctx, tx, *next, now); err != nil {
		return fechatter.User{}, false, err
	}
	return u, false, nil
}

// RevokeRefreshFamily revokes every token of the family of the token with hash.
func (db *DB) RevokeRefreshFamily(ctx context.Context, hash string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		return revokeFamilyOf(ctx, tx, hash, db.clock())
	})
}

// revokeFamilyOf revokes the family of the token with hash; an unknown hash is no error.
func revokeFamilyOf(ctx context.Context, tx *sql.Tx, hash string, now time.Time) error {
	var family string
	err := tx.QueryRowContext(ctx, `SELECT family_id FROM refresh_tokens WHERE hash = ?`, hash).Scan(&family)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: revoke refresh family: %w", err)
	}
	return revokeFamily(ctx, tx, family, now)
}

func revokeFamily(ctx context.Context, tx *sql.Tx, family string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
		micros(now), family)
	if err != nil {
		return fmt.Errorf("sqlite: revoke refresh family: %w", err)
	}
	return nil
}

// UserSession returns the user of a live session (refresh-token family).
func (db *DB) UserSession(ctx context.Context, userID int64, sessionID string) (fechatter.User, error) {
	// One statement: it needs no transaction of its own to read a consistent state.
	var live bool
	u, err := scanUser(db.readStmts.stmt(sqlUserSession).QueryRowContext(ctx, sessionID, userID), &live)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fechatter.User{}, fechatter.ErrSessionEnded()
	case err != nil:
		return fechatter.User{}, fmt.Errorf("sqlite: user session: %w", err)
	}
	return fechatter.LiveSession(u, live)
}

// RevokeSessions revokes every session of the user but keep.
func (db *DB) RevokeSessions(ctx context.Context, userID int64, keep string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		return revokeSessions(ctx, tx, userID, keep, db.clock())
	})
}

func revokeSessions(ctx context.Context, tx *sql.Tx, userID int64, keep string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ?
		WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL`, micros(now), userID, keep)
	if err != nil {
		return fmt.Errorf("sqlite: revoke sessions: %w", err)
	}
	return nil
}
