package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// Edit replaces the text of a message of its editor as a new timeline event.
func (db *DB) Edit(ctx context.Context, p fechatter.EditParams) (fechatter.Event, error) {
	if err := fechatter.CheckText(p.Text); err != nil {
		return fechatter.Event{}, err
	}
	var ev fechatter.Event
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, err = edit(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

// edit locks the message, then the chat (lockSeq); Delete takes them in the same order.
func edit(ctx context.Context, tx pgx.Tx, p fechatter.EditParams, now time.Time) (fechatter.Event, error) {
	if err := memberOf(ctx, tx, p.ChatID, p.EditorID); err != nil {
		return fechatter.Event{}, err
	}
	m, err := messageWhere(ctx, tx, `m.id = $1 AND m.chat_id = $2 FOR UPDATE`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.SenderID != p.EditorID {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "only the sender may edit a message")
	}
	if m.Deleted {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "message is deleted")
	}
	seq, a, err := lockSeq(ctx, tx, p.ChatID, p.EditorID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if err := a.writable(); err != nil {
		return fechatter.Event{}, err
	}
	m.Text, m.EditedAt = p.Text, &now
	_, err = tx.Exec(ctx, `WITH u AS (UPDATE messages SET text = $1, edited_at = $2 WHERE id = $3)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at) VALUES ($4, $5, 'message_edited', $3, $2)`,
		m.Text, now, m.ID, m.ChatID, seq)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: edit message: %w", err)
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: fechatter.EventEdited, Message: m}, nil
}

// Delete tombstones a message as a new timeline event.
func (db *DB) Delete(ctx context.Context, p fechatter.DeleteParams) (fechatter.Event, error) {
	var ev fechatter.Event
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, err = deleteMessage(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func deleteMessage(ctx context.Context, tx pgx.Tx, p fechatter.DeleteParams, now time.Time) (fechatter.Event, error) {
	if !p.Moderator {
		if err := memberOf(ctx, tx, p.ChatID, p.ActorID); err != nil {
			return fechatter.Event{}, err
		}
	}
	m, err := messageWhere(ctx, tx, `m.id = $1 AND m.chat_id = $2 FOR UPDATE`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.Deleted {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "message is already deleted")
	}
	seq, a, err := lockSeq(ctx, tx, p.ChatID, p.ActorID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if !p.Moderator {
		if err := a.writable(); err != nil {
			return fechatter.Event{}, err
		}
		if m.SenderID != p.ActorID && !a.role.CanManage() {
			return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "only the sender or a chat owner or admin may delete a message")
		}
	}
	m.Text, m.Deleted = "", true
	_, err = tx.Exec(ctx, `WITH u AS (UPDATE messages SET text = '', deleted = true WHERE id = $1)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at) VALUES ($2, $3, 'message_deleted', $1, $4)`,
		m.ID, m.ChatID, seq, now)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: delete message: %w", err)
	}
	if err := forgetExtras(ctx, tx, m); err != nil {
		return fechatter.Event{}, err
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: fechatter.EventDeleted, Message: m}, nil
}

// Events returns the chat's events after afterSeq, each with its message as it is now.
func (db *DB) Events(ctx context.Context, chatID, afterSeq int64, limit int) ([]fechatter.Event, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var evs []fechatter.Event
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		evs, err = events(ctx, tx, chatID, afterSeq, limit)
		return err
	})
	return evs, err
}

func chatExists(ctx context.Context, tx pgx.Tx, chatID int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chats WHERE id = $1)`, chatID).Scan(&ok); err != nil {
		return fmt.Errorf("postgres: chat exists: %w", err)
	}
	if !ok {
		return notFound("chat", chatID)
	}
	return nil
}

// Messages returns a page of history in ascending seq; see fechatter.MessageQuery.
func (db *DB) Messages(ctx context.Context, q fechatter.MessageQuery) ([]fechatter.Message, bool, error) {
	limit, err := q.EffectiveLimit()
	if err != nil {
		return nil, false, err
	}
	var msgs []fechatter.Message
	var more bool
	err = db.view(ctx, func(tx pgx.Tx) (err error) {
		msgs, more, err = messages(ctx, tx, q, limit)
		return err
	})
	return msgs, more, err
}

func messages(ctx context.Context, tx pgx.Tx, q fechatter.MessageQuery, limit int) ([]fechatter.Message, bool, error) {
	query, bound, desc := `SELECT `+msgCols+` FROM messages m WHERE m.chat_id = $1`, int64(-1), true
	if q.ThreadID != 0 {
		query += fmt.Sprintf(` AND m.thread_id = %d`, q.ThreadID)
	}
	switch {
	case q.After > 0 || q.Forward:
		query, bound, desc = query+` AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`, q.After, false
	case q.Before > 0:
		query, bound = query+` AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`, q.Before
	default:
		query += ` AND m.seq > $2 ORDER BY m.seq DESC LIMIT $3`
	}
	rows, err := tx.Query(ctx, query, q.ChatID, bound, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: messages: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, false, fmt.Errorf("postgres: messages: %w", err)
	}
	more := len(msgs) > limit
	msgs = msgs[:min(len(msgs), limit)]
	if desc {
		slices.Reverse(msgs)
	}
	if len(msgs) == 0 {
		return msgs, false, chatExists(ctx, tx, q.ChatID)
	}
	return msgs, more, attachReactions(ctx, tx, msgs)
}
