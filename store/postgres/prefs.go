package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/jackc/pgx/v5"
)

// Preferences returns the user's settings and the marks on the chats they are in now.
func (db *DB) Preferences(ctx context.Context, userID int64) (fechatter.Preferences, error) {
	var p fechatter.Preferences
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		p, err = preferences(ctx, tx, userID, false)
		return err
	})
	return p, err
}

func preferences(ctx context.Context, tx pgx.Tx, userID int64, lock bool) (fechatter.Preferences, error) {
	p := fechatter.DefaultPreferences()
	var dnd *time.Time
	q := `SELECT notify, sound, dnd_until FROM user_prefs WHERE user_id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	err := tx.QueryRow(ctx, q, userID).Scan(&p.Notify, &p.Sound, &dnd)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("postgres: preferences: %w", err)
	}
	p.DNDUntil = utcPtr(dnd)
	rows, err := tx.Query(ctx, `SELECT p.chat_id, p.muted, p.starred, p.notify FROM chat_prefs p
		JOIN members m ON m.chat_id = p.chat_id AND m.user_id = p.user_id
		WHERE p.user_id = $1 AND (p.muted OR p.starred OR p.notify <> '') ORDER BY p.chat_id`, userID)
	if err != nil {
		return p, fmt.Errorf("postgres: chat preferences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c fechatter.ChatPreference
		if err := rows.Scan(&c.ChatID, &c.Muted, &c.Starred, &c.Notify); err != nil {
			return p, fmt.Errorf("postgres: chat preferences: scan: %w", err)
		}
		p.Chats = append(p.Chats, c)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("postgres: chat preferences: %w", err)
	}
	return p, nil
}

// UpdatePreferences changes the user's settings; nil fields stay. Each field is written on
// its own, so two devices changing different settings at once both win.
func (db *DB) UpdatePreferences(ctx context.Context, userID int64, u fechatter.PreferencesUpdate) (fechatter.Preferences, error) {
	if err := u.Validate(); err != nil {
		return fechatter.Preferences{}, err
	}
	var p fechatter.Preferences
	err := db.update(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO user_prefs (user_id) VALUES ($1) ON CONFLICT DO NOTHING`, userID); err != nil {
			return fmt.Errorf("postgres: update preferences: %w", err)
		}
		_, err := tx.Exec(ctx, `UPDATE user_prefs SET notify = coalesce($2, notify), sound = coalesce($3, sound),
			dnd_until = CASE WHEN $4 THEN $5 ELSE dnd_until END WHERE user_id = $1`,
			userID, (*string)(u.Notify), u.Sound, u.SetDND, u.DNDUntil)
		if err != nil {
			return fmt.Errorf("postgres: update preferences: %w", err)
		}
		p, err = preferences(ctx, tx, userID, false)
		return err
	})
	return p, err
}

// UpdateChatPreference changes the user's marks on a chat they are a member of.
func (db *DB) UpdateChatPreference(ctx context.Context, userID, chatID int64, u fechatter.ChatPreferenceUpdate) (fechatter.ChatPreference, error) {
	if err := u.Validate(); err != nil {
		return fechatter.ChatPreference{}, err
	}
	c := fechatter.ChatPreference{ChatID: chatID}
	err := db.update(ctx, func(tx pgx.Tx) error {
		if err := memberOf(ctx, tx, chatID, userID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO chat_prefs AS p (user_id, chat_id, muted, starred, notify)
			VALUES ($1, $2, coalesce($3, false), coalesce($4, false), coalesce($5, ''))
			ON CONFLICT (user_id, chat_id) DO UPDATE SET muted = coalesce($3, p.muted), starred = coalesce($4, p.starred),
				notify = coalesce($5, p.notify)
			RETURNING muted, starred, notify`,
			userID, chatID, u.Muted, u.Starred, (*string)(u.Notify)).Scan(&c.Muted, &c.Starred, &c.Notify)
		if err != nil {
			return fmt.Errorf("postgres: update chat preference: %w", err)
		}
		return nil
	})
	return c, err
}
