package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fechatter/fechatter"
)

const msgCols = `m.id, m.chat_id, m.seq, m.sender_id, m.client_id, m.text, m.created_at, m.edited_at, m.deleted,
	coalesce(m.thread_id, 0), m.reply_count, m.last_reply_at, m.mentions, m.pinned_at IS NOT NULL,
	m.state, coalesce(m.asker_id, 0)`

func scanMessage(row scanner, extra ...any) (fechatter.Message, error) {
	var m fechatter.Message
	var created int64
	var edited, lastReply sql.NullInt64
	var mentions string
	dest := append([]any{&m.ID, &m.ChatID, &m.Seq, &m.SenderID, &m.ClientID, &m.Text, &created, &edited, &m.Deleted,
		&m.ThreadID, &m.ReplyCount, &lastReply, &mentions, &m.Pinned, &m.State, &m.AskerID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.Message{}, err
	}
	m.CreatedAt = fromMicros(created)
	m.EditedAt = fromNullMicros(edited)
	m.LastReplyAt = fromNullMicros(lastReply)
	m.Mentions, m.Broadcast = fechatter.ParseMentionsColumn(mentions)
	return m, nil
}

// messageWhere returns the one message matching cond (ENotFound).
func messageWhere(ctx context.Context, tx *sql.Tx, cond string, args ...any) (fechatter.Message, error) {
	m, err := scanMessage(queryRow(ctx, tx, `SELECT `+msgCols+` FROM messages m WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Message{}, fechatter.Errorf(fechatter.ENotFound, "message not found")
	}
	if err != nil {
		return fechatter.Message{}, fmt.Errorf("sqlite: message: %w", err)
	}
	return m, nil
}

// access is what a user may do in a chat: role is "" when they are not a member.
type access struct {
	chatID   int64
	archived bool
	role     fechatter.Role
}

func accessOf(ctx context.Context, tx *sql.Tx, chatID, userID int64) (access, error) {
	a := access{chatID: chatID}
	err := queryRow(ctx, tx, sqlAccess, userID, chatID).Scan(&a.archived, &a.role)
	if errors.Is(err, sql.ErrNoRows) {
		return access{}, notFound("chat", chatID)
	}
	if err != nil {
		return access{}, fmt.Errorf("sqlite: chat access: %w", err)
	}
	return a, nil
}

// writable fails unless the user may add to the chat's timeline: ENotFound for anyone who is
// not an active member (they learn nothing of the chat), EForbidden when it is archived.
func (a access) writable() error {
	if a.role == "" {
		return notFound("chat", a.chatID)
	}
	if a.archived {
		return fechatter.Errorf(fechatter.EForbidden, "chat is archived")
	}
	return nil
}

// appendEvent takes the chat's next seq and records an event of kind for message at it.
func appendEvent(ctx context.Context, tx *sql.Tx, chatID int64, kind fechatter.EventKind, messageID func(seq int64) (int64, error), now time.Time) (int64, error) {
	var seq int64
	err := queryRow(ctx, tx, sqlNextSeq, chatID).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("sqlite: next seq: %w", err)
	}
	id, err := messageID(seq)
	if err != nil {
		return 0, err
	}
	_, err = exec(ctx, tx, sqlInsertEvent, chatID, seq, string(kind), id, micros(now))
	if err != nil {
		return 0, fmt.Errorf("sqlite: insert event: %w", err)
	}
	return seq, nil
}

// Edit replaces the text of a message of its editor as a new timeline event.
func (db *DB) Edit(ctx context.Context, p fechatter.EditParams) (fechatter.Event, error) {
	if err := fechatter.CheckText(p.Text); err != nil {
		return fechatter.Event{}, err
	}
	var ev fechatter.Event
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		ev, err = edit(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func edit(ctx context.Context, tx *sql.Tx, p fechatter.EditParams, now time.Time) (fechatter.Event, error) {
	if err := writableBy(ctx, tx, p.ChatID, p.EditorID, nil); err != nil {
		return fechatter.Event{}, err
	}
	m, err := messageWhere(ctx, tx, `m.id = ? AND m.chat_id = ?`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.SenderID != p.EditorID {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "only the sender may edit a message")
	}
	if m.Deleted {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "message is deleted")
	}
	m.Text, m.EditedAt = p.Text, &now
	seq, err := appendEvent(ctx, tx, p.ChatID, fechatter.EventEdited, func(int64) (int64, error) {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET text = ?, edited_at = ? WHERE id = ?`, m.Text, micros(now), m.ID)
		if err != nil {
			return 0, fmt.Errorf("sqlite: edit message: %w", err)
		}
		return m.ID, nil
	}, now)
	if err != nil {
		return fechatter.Event{}, err
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: fechatter.EventEdited, Message: m}, nil
}

// writableBy fails unless user may write to the chat; with allow, allow(role) must hold too.
func writableBy(ctx context.Context, tx *sql.Tx, chatID, userID int64, allow func(fechatter.Role) bool) error {
	a, err := accessOf(ctx, tx, chatID, userID)
	if err != nil {
		return err
	}
	if err := a.writable(); err != nil {
		return err
	}
	if allow != nil && !allow(a.role) {
		return fechatter.Errorf(fechatter.EForbidden, "only the sender or a chat owner or admin may do that")
	}
	return nil
}

// Delete tombstones a message as a new timeline event.
func (db *DB) Delete(ctx context.Context, p fechatter.DeleteParams) (fechatter.Event, error) {
	var ev fechatter.Event
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		ev, err = deleteMessage(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func deleteMessage(ctx context.Context, tx *sql.Tx, p fechatter.DeleteParams, now time.Time) (fechatter.Event, error) {
	if !p.Moderator {
		if err := writableBy(ctx, tx, p.ChatID, p.ActorID, nil); err != nil {
			return fechatter.Event{}, err
		}
	}
	m, err := messageWhere(ctx, tx, `m.id = ? AND m.chat_id = ?`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.Deleted {
		return fechatter.Event{}, fechatter.Errorf(fechatter.EForbidden, "message is already deleted")
	}
	allow := func(r fechatter.Role) bool { return m.SenderID == p.ActorID || r.CanManage() }
	if !p.Moderator {
		if err := writableBy(ctx, tx, p.ChatID, p.ActorID, allow); err != nil {
			return fechatter.Event{}, err
		}
	}
	m.Text, m.Deleted = "", true
	seq, err := appendEvent(ctx, tx, p.ChatID, fechatter.EventDeleted, func(int64) (int64, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET text = '', deleted = 1 WHERE id = ?`, m.ID); err != nil {
			return 0, fmt.Errorf("sqlite: delete message: %w", err)
		}
		if err := forgetExtras(ctx, tx, m); err != nil {
			return 0, err
		}
		return m.ID, nil
	}, now)
	if err != nil {
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
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		evs, err = events(ctx, tx, chatID, afterSeq, limit)
		return err
	})
	return evs, err
}

func chatExists(ctx context.Context, tx *sql.Tx, chatID int64) error {
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM chats WHERE id = ?)`, chatID).Scan(&ok); err != nil {
		return fmt.Errorf("sqlite: chat exists: %w", err)
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
	err = db.view(ctx, func(tx *sql.Tx) (err error) {
		msgs, more, err = messages(ctx, tx, q, limit)
		return err
	})
	return msgs, more, err
}

func messages(ctx context.Context, tx *sql.Tx, q fechatter.MessageQuery, limit int) ([]fechatter.Message, bool, error) {
	query, bound, desc := `SELECT `+msgCols+` FROM messages m WHERE m.chat_id = ?`, int64(-1), true
	if q.ThreadID != 0 {
		query += fmt.Sprintf(` AND m.thread_id = %d`, q.ThreadID)
	}
	switch {
	case q.After > 0 || q.Forward:
		query, bound, desc = query+` AND m.seq > ? ORDER BY m.seq ASC LIMIT ?`, q.After, false
	case q.Before > 0:
		query, bound = query+` AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`, q.Before
	default:
		query += ` AND m.seq > ? ORDER BY m.seq DESC LIMIT ?`
	}
	rows, err := tx.QueryContext(ctx, query, q.ChatID, bound, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: messages: %w", err)
	}
	defer rows.Close()
	msgs := []fechatter.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, false, fmt.Errorf("sqlite: messages: scan: %w", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("sqlite: messages: %w", err)
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
