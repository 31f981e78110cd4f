package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// targetMessage loads a live message of a chat the user may write to, for a reaction or a pin.
func targetMessage(ctx context.Context, tx *sql.Tx, chatID, messageID, userID int64) (fechatter.Message, error) {
	if err := writableBy(ctx, tx, chatID, userID, nil); err != nil {
		return fechatter.Message{}, err
	}
	m, err := messageWhere(ctx, tx, `m.id = ? AND m.chat_id = ?`, messageID, chatID)
	if err != nil {
		return fechatter.Message{}, err
	}
	if m.Deleted {
		return fechatter.Message{}, fechatter.Errorf(fechatter.EForbidden, "message is deleted")
	}
	return m, nil
}

// withReactions reloads m's reactions.
func withReactions(ctx context.Context, tx *sql.Tx, m fechatter.Message) (fechatter.Message, error) {
	list := []fechatter.Message{m}
	err := attachReactions(ctx, tx, list)
	return list[0], err
}

// React adds or removes a reaction as a timeline event.
func (db *DB) React(ctx context.Context, p fechatter.ReactParams) (fechatter.Event, bool, error) {
	emoji, err := fechatter.CheckEmoji(p.Emoji)
	if err != nil {
		return fechatter.Event{}, false, err
	}
	var ev fechatter.Event
	var changed bool
	err = db.update(ctx, func(tx *sql.Tx) (err error) {
		ev, changed, err = react(ctx, tx, p, emoji, db.clock())
		return err
	})
	return ev, changed, err
}

func react(ctx context.Context, tx *sql.Tx, p fechatter.ReactParams, emoji string, now time.Time) (fechatter.Event, bool, error) {
	m, err := targetMessage(ctx, tx, p.ChatID, p.MessageID, p.UserID)
	if err != nil {
		return fechatter.Event{}, false, err
	}
	var res sql.Result
	if p.Add {
		var kinds int
		if err = tx.QueryRowContext(ctx, `SELECT count(DISTINCT emoji) FROM reactions WHERE message_id = ? AND emoji <> ?`, m.ID, emoji).Scan(&kinds); err != nil {
			return fechatter.Event{}, false, fmt.Errorf("sqlite: react: %w", err)
		}
		if kinds >= fechatter.MaxEmojiPerMessage {
			return fechatter.Event{}, false, fechatter.Errorf(fechatter.EInvalid, "a message holds at most %d different reactions", fechatter.MaxEmojiPerMessage)
		}
		res, err = tx.ExecContext(ctx, `INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, m.ID, emoji, p.UserID, micros(now))
	} else {
		res, err = tx.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`, m.ID, emoji, p.UserID)
	}
	if err != nil {
		return fechatter.Event{}, false, fmt.Errorf("sqlite: react: %w", err)
	}
	if m, err = withReactions(ctx, tx, m); err != nil {
		return fechatter.Event{}, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventReaction, Message: m,
			UserID: p.UserID, Emoji: emoji, On: p.Add}, false, nil
	}
	ev, err := appendMessageEvent(ctx, tx, fechatter.EventReaction, m, p.UserID, emoji, p.Add, now)
	return ev, err == nil, err
}

// Pin pins or unpins a message as a timeline event.
func (db *DB) Pin(ctx context.Context, p fechatter.PinParams) (fechatter.Event, bool, error) {
	var ev fechatter.Event
	var changed bool
	err := db.update(ctx, func(tx *sql.Tx) error {
		now := db.clock()
		m, err := targetMessage(ctx, tx, p.ChatID, p.MessageID, p.UserID)
		if err != nil {
			return err
		}
		if m, err = withReactions(ctx, tx, m); err != nil {
			return err
		}
		if m.Pinned == p.Pin {
			ev = fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventPinned, Message: m, UserID: p.UserID, On: p.Pin}
			return nil
		}
		var at, by any
		if p.Pin {
			at, by = micros(now), p.UserID
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET pinned_at = ?, pinned_by = ? WHERE id = ?`, at, by, m.ID); err != nil {
			return fmt.Errorf("sqlite: pin: %w", err)
		}
		m.Pinned = p.Pin
		ev, err = appendMessageEvent(ctx, tx, fechatter.EventPinned, m, p.UserID, "", p.Pin, now)
		changed = err == nil
		return err
	})
	return ev, changed, err
}

// Pins lists a chat's pinned messages, the latest pin first.
func (db *DB) Pins(ctx context.Context, chatID int64) ([]fechatter.Message, error) {
	return db.messageList(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.chat_id = ? AND m.pinned_at IS NOT NULL
		AND NOT m.deleted ORDER BY m.pinned_at DESC, m.id DESC LIMIT 200`, chatID)
}

// SaveMessage saves or forgets a message for a member of its chat.
func (db *DB) SaveMessage(ctx context.Context, userID, messageID int64, save bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var chatID int64
		err := tx.QueryRowContext(ctx, `SELECT chat_id FROM messages WHERE id = ?`, messageID).Scan(&chatID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("message", messageID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: save: %w", err)
		}
		if a, err := accessOf(ctx, tx, chatID, userID); err != nil || a.role == "" {
			return notFound("message", messageID)
		}
		if save {
			_, err = tx.ExecContext(ctx, `INSERT INTO saved (user_id, message_id, created_at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, userID, messageID, micros(db.clock()))
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM saved WHERE user_id = ? AND message_id = ?`, userID, messageID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: save: %w", err)
		}
		return nil
	})
}

// Saved lists the user's saved messages in chats they are still in, latest first.
func (db *DB) Saved(ctx context.Context, userID int64, limit int) ([]fechatter.Message, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	return db.messageList(ctx, `SELECT `+msgCols+` FROM saved s JOIN messages m ON m.id = s.message_id
		JOIN members mb ON mb.chat_id = m.chat_id AND mb.user_id = s.user_id
		WHERE s.user_id = ? ORDER BY s.created_at DESC, m.id DESC LIMIT ?`, userID, limit)
}

// messageList runs a query of msgCols and returns its messages with their reactions.
func (db *DB) messageList(ctx context.Context, query string, args ...any) ([]fechatter.Message, error) {
	out := []fechatter.Message{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlite: messages: %w", err)
		}
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: messages: %w", err)
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: messages: %w", err)
		}
		return attachReactions(ctx, tx, out)
	})
	return out, err
}
