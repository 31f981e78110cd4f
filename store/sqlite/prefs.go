package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter"
)

// Preferences returns the user's settings and the marks on the chats they are in now.
func (db *DB) Preferences(ctx context.Context, userID int64) (fechatter.Preferences, error) {
	var p fechatter.Preferences
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		p, err = preferences(ctx, tx, userID)
		return err
	})
	return p, err
}

func preferences(ctx context.Context, tx *sql.Tx, userID int64) (fechatter.Preferences, error) {
	p := fechatter.DefaultPreferences()
	var dnd sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT notify, sound, dnd_until FROM user_prefs WHERE user_id = ?`, userID).Scan(&p.Notify, &p.Sound, &dnd)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("sqlite: preferences: %w", err)
	}
	p.DNDUntil = fromNullMicros(dnd)
	rows, err := tx.QueryContext(ctx, `SELECT p.chat_id, p.muted, p.starred, p.notify FROM chat_prefs p
		JOIN members m ON m.chat_id = p.chat_id AND m.user_id = p.user_id
		WHERE p.user_id = ? AND (p.muted OR p.starred OR p.notify <> '') ORDER BY p.chat_id`, userID)
	if err != nil {
		return p, fmt.Errorf("sqlite: chat preferences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c fechatter.ChatPreference
		if err := rows.Scan(&c.ChatID, &c.Muted, &c.Starred, &c.Notify); err != nil {
			return p, fmt.Errorf("sqlite: chat preferences: scan: %w", err)
		}
		p.Chats = append(p.Chats, c)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("sqlite: chat preferences: %w", err)
	}
	return p, nil
}

// UpdatePreferences changes the user's settings; nil fields stay.
func (db *DB) UpdatePreferences(ctx context.Context, userID int64, u fechatter.PreferencesUpdate) (fechatter.Preferences, error) {
	if err := u.Validate(); err != nil {
		return fechatter.Preferences{}, err
	}
	var p fechatter.Preferences
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		if p, err = preferences(ctx, tx, userID); err != nil {
			return err
		}
		if u.Notify != nil {
			p.Notify = *u.Notify
		}
		if u.Sound != nil {
			p.Sound = *u.Sound
		}
		if u.SetDND {
			p.DNDUntil = u.DNDUntil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_prefs (user_id, notify, sound, dnd_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET notify = excluded.notify, sound = excluded.sound, dnd_until = excluded.dnd_until`,
			userID, string(p.Notify), p.Sound, nullMicros(p.DNDUntil))
		if err != nil {
			return fmt.Errorf("sqlite: update preferences: %w", err)
		}
		return nil
	})
	return p, err
}

// UpdateChatPreference changes the user's marks on a chat they are a member of.
func (db *DB) UpdateChatPreference(ctx context.Context, userID, chatID int64, u fechatter.ChatPreferenceUpdate) (fechatter.ChatPreference, error) {
	if err := u.Validate(); err != nil {
		return fechatter.ChatPreference{}, err
	}
	c := fechatter.ChatPreference{ChatID: chatID}
	err := db.update(ctx, func(tx *sql.Tx) error {
		if a, err := accessOf(ctx, tx, chatID, userID); err != nil || a.role == "" {
			return notFound("chat", chatID)
		}
		err := tx.QueryRowContext(ctx, `SELECT muted, starred, notify FROM chat_prefs WHERE user_id = ? AND chat_id = ?`, userID, chatID).
			Scan(&c.Muted, &c.Starred, &c.Notify)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: chat preference: %w", err)
		}
		if u.Muted != nil {
			c.Muted = *u.Muted
		}
		if u.Starred != nil {
			c.Starred = *u.Starred
		}
		if u.Notify != nil {
			c.Notify = *u.Notify
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO chat_prefs (user_id, chat_id, muted, starred, notify) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, chat_id) DO UPDATE SET muted = excluded.muted, starred = excluded.starred, notify = excluded.notify`,
			userID, chatID, c.Muted, c.Starred, string(c.Notify))
		if err != nil {
			return fmt.Errorf("sqlite: update chat preference: %w", err)
		}
		return nil
	})
	return c, err
}
