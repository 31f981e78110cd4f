package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// resolveExtras fills what a new message carries besides its text: the thread it replies in
// and the members it mentions. Plain messages cost nothing here.
func resolveExtras(ctx context.Context, tx *sql.Tx, m *fechatter.Message, threadID int64) error {
	if threadID != 0 {
		root, err := threadRoot(ctx, tx, m.ChatID, threadID)
		if err != nil {
			return err
		}
		m.ThreadID = root
	}
	ids, broadcast := fechatter.ParseMentions(m.Text)
	m.Broadcast = broadcast
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM members WHERE chat_id = ? AND user_id IN (`+placeholders(len(ids))+`)
		ORDER BY user_id`, append([]any{m.ChatID}, int64Args(ids)...)...)
	if err != nil {
		return fmt.Errorf("sqlite: mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("sqlite: mentions: %w", err)
		}
		m.Mentions = append(m.Mentions, id)
	}
	return rows.Err()
}

// threadRoot returns the root of the thread a reply to message id joins.
func threadRoot(ctx context.Context, tx *sql.Tx, chatID, id int64) (int64, error) {
	var chat, parent int64
	err := tx.QueryRowContext(ctx, `SELECT chat_id, coalesce(thread_id, 0) FROM messages WHERE id = ?`, id).Scan(&chat, &parent)
	if errors.Is(err, sql.ErrNoRows) || err == nil && chat != chatID {
		return 0, fechatter.ErrBadThread()
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: thread root: %w", err)
	}
	if parent != 0 {
		return parent, nil
	}
	return id, nil
}

// applyExtras records what a stored message's thread and mentions change: the root's reply
// count, who follows the thread, and a mention row per mentioned member.
func applyExtras(ctx context.Context, tx *sql.Tx, m fechatter.Message, now time.Time) error {
	if m.ThreadID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ?`,
			micros(now), m.ThreadID); err != nil {
			return fmt.Errorf("sqlite: thread: %w", err)
		}
		// The replier follows the thread and has read it to here; the root's author follows
		// it unless they chose not to.
		if _, err := tx.ExecContext(ctx, `INSERT INTO thread_follows (root_id, user_id, following, last_read_seq)
			VALUES (?, ?, 1, ?) ON CONFLICT (root_id, user_id) DO UPDATE SET following = 1,
			last_read_seq = max(last_read_seq, excluded.last_read_seq)`, m.ThreadID, m.SenderID, m.Seq); err != nil {
			return fmt.Errorf("sqlite: thread follow: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO thread_follows (root_id, user_id) SELECT id, sender_id FROM messages
			WHERE id = ? ON CONFLICT DO NOTHING`, m.ThreadID); err != nil {
			return fmt.Errorf("sqlite: thread follow: %w", err)
		}
	}
	var err error
	switch {
	case m.Broadcast != "":
		_, err = tx.ExecContext(ctx, `INSERT INTO mentions (user_id, chat_id, seq, message_id)
			SELECT user_id, chat_id, ?, ? FROM members WHERE chat_id = ? AND user_id <> ?`, m.Seq, m.ID, m.ChatID, m.SenderID)
	case len(m.Mentions) > 0:
		_, err = tx.ExecContext(ctx, `INSERT INTO mentions (user_id, chat_id, seq, message_id)
			SELECT user_id, chat_id, ?, ? FROM members WHERE chat_id = ? AND user_id <> ? AND user_id IN (`+
			placeholders(len(m.Mentions))+`)`, append([]any{m.Seq, m.ID, m.ChatID, m.SenderID}, int64Args(m.Mentions)...)...)
	}
	if err != nil {
		return fmt.Errorf("sqlite: mentions: %w", err)
	}
	return nil
}

// forgetExtras undoes what a deleted message counted for: its mentions, reactions and pin, and
// its place in its thread's reply count. A deleted root keeps its thread.
func forgetExtras(ctx context.Context, tx *sql.Tx, m fechatter.Message) error {
	for _, q := range []string{`DELETE FROM mentions WHERE message_id = ?`, `DELETE FROM reactions WHERE message_id = ?`,
		`UPDATE messages SET pinned_at = NULL, pinned_by = NULL, file_names = '' WHERE id = ?`,
		`DELETE FROM files WHERE message_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, m.ID); err != nil {
			return fmt.Errorf("sqlite: forget deleted message: %w", err)
		}
	}
	if m.ThreadID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET reply_count = reply_count - 1 WHERE id = ?`, m.ThreadID); err != nil {
			return fmt.Errorf("sqlite: thread: %w", err)
		}
	}
	return nil
}
