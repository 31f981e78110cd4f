package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// lockChat takes the chat's row lock, which every timeline change of the chat holds until it
// commits, so a reaction's message snapshot is in seq order with the others.
func lockChat(ctx context.Context, tx pgx.Tx, chatID int64) error {
	tag, err := tx.Exec(ctx, `SELECT 1 FROM chats WHERE id = $1 FOR UPDATE`, chatID)
	if err != nil {
		return fmt.Errorf("postgres: lock chat: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("chat", chatID)
	}
	return nil
}

// liveMessage returns a message that is not deleted (lock: "" or "FOR UPDATE").
func liveMessage(ctx context.Context, tx pgx.Tx, chatID, messageID int64, lock string) (fechatter.Message, error) {
	m, err := messageWhere(ctx, tx, `m.id = $1 AND m.chat_id = $2 `+lock, messageID, chatID)
	if err != nil {
		return fechatter.Message{}, err
	}
	if m.Deleted {
		return fechatter.Message{}, fechatter.Errorf(fechatter.EForbidden, "message is deleted")
	}
	return m, nil
}

// writableAccess fails unless the user may write to the chat (no lock taken).
func writableAccess(ctx context.Context, tx pgx.Tx, chatID, userID int64) error {
	a := access{chatID: chatID}
	err := tx.QueryRow(ctx, `SELECT archived, `+sqlRole+` FROM chats WHERE id = $1`, chatID, userID).Scan(&a.archived, &a.role)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("chat", chatID)
	}
	if err != nil {
		return fmt.Errorf("postgres: access: %w", err)
	}
	return a.writable()
}

func withReactions(ctx context.Context, tx pgx.Tx, m fechatter.Message) (fechatter.Message, error) {
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
	err = db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, changed, err = react(ctx, tx, p, emoji, db.clock())
		return err
	})
	return ev, changed, err
}

func react(ctx context.Context, tx pgx.Tx, p fechatter.ReactParams, emoji string, now time.Time) (fechatter.Event, bool, error) {
	if err := writableAccess(ctx, tx, p.ChatID, p.UserID); err != nil {
		return fechatter.Event{}, false, err
	}
	if err := lockChat(ctx, tx, p.ChatID); err != nil {
		return fechatter.Event{}, false, err
	}
	m, err := liveMessage(ctx, tx, p.ChatID, p.MessageID, "")
	if err != nil {
		return fechatter.Event{}, false, err
	}
	var n int64
	if p.Add {
		var kinds int
		err := tx.QueryRow(ctx, `SELECT count(DISTINCT emoji) FROM reactions WHERE message_id = $1 AND emoji <> $2`, m.ID, emoji).Scan(&kinds)
		if err != nil {
			return fechatter.Event{}, false, fmt.Errorf("postgres: react: %w", err)
		}
		if kinds >= fechatter.MaxEmojiPerMessage {
			return fechatter.Event{}, false, fechatter.Errorf(fechatter.EInvalid, "a message holds at most %d different reactions", fechatter.MaxEmojiPerMessage)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, m.ID, emoji, p.UserID, now)
		if err != nil {
			return fechatter.Event{}, false, fmt.Errorf("postgres: react: %w", err)
		}
		n = tag.RowsAffected()
	} else {
		tag, err := tx.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3`, m.ID, emoji, p.UserID)
		if err != nil {
			return fechatter.Event{}, false, fmt.Errorf("postgres: react: %w", err)
		}
		n = tag.RowsAffected()
	}
	if m, err = withReactions(ctx, tx, m); err != nil {
		return fechatter.Event{}, false, err
	}
	if n == 0 {
		return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventReaction, Message: m,
			UserID: p.UserID, Emoji: emoji, On: p.Add}, false, nil
	}
	ev, err := appendMessageEvent(ctx, tx, fechatter.EventReaction, m, p.UserID, emoji, p.Add, now)
	return ev, err == nil, err
}

// Pin pins or unpins a message as a timeline event. It locks the message, then the chat, in
// the order Edit and Delete take them.
func (db *DB) Pin(ctx context.Context, p fechatter.PinParams) (fechatter.Event, bool, error) {
	var ev fechatter.Event
	var changed bool
	err := db.update(ctx, func(tx pgx.Tx) error {
		now := db.clock()
		if err := writableAccess(ctx, tx, p.ChatID, p.UserID); err != nil {
			return err
		}
		m, err := liveMessage(ctx, tx, p.ChatID, p.MessageID, "FOR UPDATE")
		if err != nil {
			return err
		}
		if err := lockChat(ctx, tx, p.ChatID); err != nil {
			return err
		}
		if m, err = withReactions(ctx, tx, m); err != nil {
			return err
		}
		if m.Pinned == p.Pin {
			ev = fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventPinned, Message: m, UserID: p.UserID, On: p.Pin}
			return nil
		}
		var at *time.Time
		var by *int64
		if p.Pin {
			at, by = &now, &p.UserID
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET pinned_at = $1, pinned_by = $2 WHERE id = $3`, at, by, m.ID); err != nil {
			return fmt.Errorf("postgres: pin: %w", err)
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
	return db.messageList(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.chat_id = $1 AND m.pinned_at IS NOT NULL
		AND NOT m.deleted ORDER BY m.pinned_at DESC, m.id DESC LIMIT 200`, chatID)
}

// SaveMessage saves or forgets a message for a member of its chat.
func (db *DB) SaveMessage(ctx context.Context, userID, messageID int64, save bool) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		var chatID int64
		err := tx.QueryRow(ctx, `SELECT chat_id FROM messages WHERE id = $1`, messageID).Scan(&chatID)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("message", messageID)
		}
		if err != nil {
			return fmt.Errorf("postgres: save: %w", err)
		}
		if err := memberOf(ctx, tx, chatID, userID); err != nil {
			return notFound("message", messageID)
		}
		if save {
			_, err = tx.Exec(ctx, `INSERT INTO saved (user_id, message_id, created_at) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, userID, messageID, db.clock())
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM saved WHERE user_id = $1 AND message_id = $2`, userID, messageID)
		}
		if err != nil {
			return fmt.Errorf("postgres: save: %w", err)
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
		WHERE s.user_id = $1 ORDER BY s.created_at DESC, m.id DESC LIMIT $2`, userID, limit)
}

// messageList runs a query of msgCols and returns its messages with their reactions.
func (db *DB) messageList(ctx context.Context, query string, args ...any) ([]fechatter.Message, error) {
	var out []fechatter.Message
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: messages: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
		if err != nil {
			return fmt.Errorf("postgres: messages: %w", err)
		}
		return attachReactions(ctx, tx, out)
	})
	if out == nil && err == nil {
		out = []fechatter.Message{}
	}
	return out, err
}
