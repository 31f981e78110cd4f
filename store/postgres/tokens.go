package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// CreateRefreshToken stores a new refresh token (a login starts a family).
func (db *DB) CreateRefreshToken(ctx context.Context, t fechatter.RefreshToken) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx pgx.Tx) error {
		return createRefreshToken(ctx, tx, t, db.clock())
	})
}

func createRefreshToken(ctx context.Context, tx pgx.Tx, t fechatter.RefreshToken, now time.Time) error {
	if _, err := userByID(ctx, tx, t.UserID, "FOR SHARE"); err != nil {
		return err
	}
	return insertRefreshToken(ctx, tx, t, now)
}

func insertRefreshToken(ctx context.Context, tx pgx.Tx, t fechatter.RefreshToken, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO refresh_tokens (hash, user_id, family_id, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`, t.Hash, t.UserID, t.FamilyID, t.ExpiresAt, now)
	if isUnique(err, "refresh_tokens_pkey") {
		return fechatter.Errorf(fechatter.EConflict, "refresh token already exists")
	}
	if err != nil {
		return fmt.Errorf("postgres: insert refresh token: %w", err)
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
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
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
// before; the caller commits and then fails. The family lock makes concurrent rotations of one
// token take turns (only the first succeeds) and orders them against a logout.
func rotateRefresh(ctx context.Context, tx pgx.Tx, oldHash string, next *fechatter.RefreshToken, now time.Time) (fechatter.User, bool, error) {
	family, err := lockFamilyOf(ctx, tx, oldHash)
	if err != nil {
		return fechatter.User{}, false, err
	}
	if family == "" {
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "invalid refresh token")
	}
	var userID int64
	var expires time.Time
	var used, revoked *time.Time
	err = tx.QueryRow(ctx, `SELECT user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE hash = $1`,
		oldHash).Scan(&userID, &expires, &used, &revoked)
	if err != nil {
		return fechatter.User{}, false, fmt.Errorf("postgres: rotate refresh token: %w", err)
	}
	switch {
	case revoked != nil:
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "refresh token revoked")
	case used != nil:
		return fechatter.User{}, true, revokeFamily(ctx, tx, family, now)
	case !expires.After(now):
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "refresh token expired")
	}
	u, err := userByID(ctx, tx, userID, "FOR SHARE")
	if err != nil {
		return fechatter.User{}, false, err
	}
	if u.Disabled {
		return fechatter.User{}, false, fechatter.Errorf(fechatter.EUnauthorized, "account disabled")
	}
	if _, err := tx.Exec(ctx, `UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2`, now, oldHash); err != nil {
		return fechatter.User{}, false, fmt.Errorf("postgres: mark refresh token used: %w", err)
	}
	next.UserID, next.FamilyID = userID, family
	if err := insertRefreshToken(ctx, tx, *next, now); err != nil {
		return fechatter.User{}, false, err
	}
	return u, false, nil
}

// RevokeRefreshFamily revokes every token of the family of the token with hash.
func (db *DB) RevokeRefreshFamily(ctx context.Context, hash string) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		return revokeFamilyOf(ctx, tx, hash, db.clock())
	})
}

// revokeFamilyOf revokes the family of the token with hash; an unknown hash is no error.
func revokeFamilyOf(ctx context.Context, tx pgx.Tx, hash string, now time.Time) error {
	family, err := lockFamilyOf(ctx, tx, hash)
	if err != nil || family == "" {
		return err
	}
	return revokeFamily(ctx, tx, family, now)
}

// refreshLockClass is the first key of the transaction advisory locks on refresh families.
const refreshLockClass int32 = 0x52454652 // "REFR"

// lockFamilyOf takes the advisory lock of the family of the token with hash, held until the
// transaction ends, and returns the family ("" for an unknown hash). Everything that changes a
// family's tokens takes this lock before touching them, so rotations and revocations of one
// family are serialised and a revocation sees every token rotated before it.
func lockFamilyOf(ctx context.Context, tx pgx.Tx, hash string) (string, error) {
	var family string
	err := tx.QueryRow(ctx, `SELECT family_id FROM refresh_tokens WHERE hash = $1`, hash).Scan(&family)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: refresh family: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, refreshLockClass, family); err != nil {
		return "", fmt.Errorf("postgres: lock refresh family: %w", err)
	}
	return family, nil
}

func revokeFamily(ctx context.Context, tx pgx.Tx, family string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL`,
		now, family)
	if err != nil {
		return fmt.Errorf("postgres: revoke refresh family: %w", err)
	}
	return nil
}

// UserSession returns the user of a live session (refresh-token family).
func (db *DB) UserSession(ctx context.Context, userID int64, sessionID string) (fechatter.User, error) {
	// One statement, on the pool: no read transaction's round trips around it (each connect
	// runs it).
	var live bool
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userCols+`, EXISTS (SELECT 1 FROM refresh_tokens
		WHERE family_id = $1 AND user_id = users.id AND revoked_at IS NULL) FROM users WHERE id = $2`, sessionID, userID), &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fechatter.User{}, fechatter.ErrSessionEnded()
	case err != nil:
		return fechatter.User{}, fmt.Errorf("postgres: user session: %w", err)
	}
	return fechatter.LiveSession(u, live)
}

// RevokeSessions revokes every session of the user but keep.
func (db *DB) RevokeSessions(ctx context.Context, userID int64, keep string) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		return revokeSessions(ctx, tx, userID, keep, db.clock())
	})
}

func revokeSessions(ctx context.Context, tx pgx.Tx, userID int64, keep string, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $1
		WHERE user_id = $2 AND family_id <> $3 AND revoked_at IS NULL`, now, userID, keep)
	if err != nil {
		return fmt.Errorf("postgres: revoke sessions: %w", err)
	}
	return nil
}
