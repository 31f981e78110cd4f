package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter"
)

// threadOf checks that root is a thread root of the chat and that the user is a member.
func threadOf(ctx context.Context, tx *sql.Tx, chatID, rootID, userID int64) error {
	a, err := accessOf(ctx, tx, chatID, userID)
	if err != nil {
		return err
	}
	if a.role == "" {
		return notFound("chat", chatID)
	}
	if root, err := threadRoot(ctx, tx, chatID, rootID); err != nil || root != rootID {
		return fechatter.ErrBadThread()
	}
	return nil
}

// FollowThread makes the user follow or stop following a thread.
func (db *DB) FollowThread(ctx context.Context, chatID, rootID, userID int64, follow bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := threadOf(ctx, tx, chatID, rootID, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO thread_follows (root_id, user_id, following) VALUES (?, ?, ?)
			ON CONFLICT (root_id, user_id) DO UPDATE SET following = excluded.following`, rootID, userID, follow)
		if err != nil {
			return fmt.Errorf("sqlite: follow thread: %w", err)
		}
		return nil
	})
}

// ReadThread moves the user's read position in a thread forward.
func (db *DB) ReadThread(ctx context.Context, chatID, rootID, userID, seq int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := threadOf(ctx, tx, chatID, rootID, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO thread_follows (root_id, user_id, last_read_seq) VALUES (?, ?, ?)
			ON CONFLICT (root_id, user_id) DO UPDATE SET last_read_seq = max(last_read_seq, excluded.last_read_seq)`,
			rootID, userID, seq)
		if err != nil {
			return fmt.Errorf("sqlite: read thread: %w", err)
		}
		return nil
	})
}

// Threads lists the threads the user follows in chats they are in, latest reply first.
func (db *DB) Threads(ctx context.Context, userID int64, limit int) ([]fechatter.ThreadSummary, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	out := []fechatter.ThreadSummary{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+msgCols+`, f.last_read_seq,
			(SELECT count(*) FROM messages r WHERE r.thread_id = m.id AND r.seq > f.last_read_seq AND NOT r.deleted
				AND r.sender_id <> f.user_id)
			FROM thread_follows f JOIN messages m ON m.id = f.root_id
			JOIN members mb ON mb.chat_id = m.chat_id AND mb.user_id = f.user_id
			WHERE f.user_id = ? AND f.following AND m.reply_count > 0
			ORDER BY m.last_reply_at DESC, m.id DESC LIMIT ?`, userID, limit)
		if err != nil {
			return fmt.Errorf("sqlite: threads: %w", err)
		}
		var roots []fechatter.Message
		for rows.Next() {
			var t fechatter.ThreadSummary
			if t.Root, err = scanMessage(rows, &t.LastReadSeq, &t.Unread); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite: threads: %w", err)
			}
			out = append(out, t)
			roots = append(roots, t.Root)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: threads: %w", err)
		}
		if err := attachReactions(ctx, tx, roots); err != nil {
			return err
		}
		for i := range out {
			out[i].Root = roots[i]
		}
		return nil
	})
	return out, err
}

// Channels lists the workspace's public channels whose name contains q.
func (db *DB) Channels(ctx context.Context, workspaceID, userID int64, q string, limit int) ([]fechatter.ChannelInfo, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	out := []fechatter.ChannelInfo{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+chatCols+`,
			EXISTS (SELECT 1 FROM members m WHERE m.chat_id = c.id AND m.user_id = ?)
			FROM chats c WHERE c.workspace_id = ? AND c.kind = 'channel' AND NOT c.private
			AND instr(lower(c.name), ?) > 0 ORDER BY lower(c.name), c.id LIMIT ?`,
			userID, workspaceID, strings.ToLower(q), limit)
		if err != nil {
			return fmt.Errorf("sqlite: channels: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ci fechatter.ChannelInfo
			if ci.Chat, err = scanChat(rows, &ci.Joined); err != nil {
				return fmt.Errorf("sqlite: channels: %w", err)
			}
			out = append(out, ci)
		}
		return rows.Err()
	})
	return out, err
}

// Reads lists every member's read position in a chat.
func (db *DB) Reads(ctx context.Context, chatID int64) ([]fechatter.ReadPosition, error) {
	out := []fechatter.ReadPosition{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT user_id, last_read_seq FROM members WHERE chat_id = ? ORDER BY user_id`, chatID)
		if err != nil {
			return fmt.Errorf("sqlite: reads: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r fechatter.ReadPosition
			if err := rows.Scan(&r.UserID, &r.LastReadSeq); err != nil {
				return fmt.Errorf("sqlite: reads: %w", err)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
