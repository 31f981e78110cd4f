package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// threadOf checks that root is a thread root of the chat and that the user is a member.
func threadOf(ctx context.Context, tx pgx.Tx, chatID, rootID, userID int64) error {
	if err := memberOf(ctx, tx, chatID, userID); err != nil {
		return err
	}
	var chat, parent int64
	err := tx.QueryRow(ctx, `SELECT chat_id, coalesce(thread_id, 0) FROM messages WHERE id = $1`, rootID).Scan(&chat, &parent)
	if err != nil || chat != chatID || parent != 0 {
		return fechatter.ErrBadThread()
	}
	return nil
}

// FollowThread makes the user follow or stop following a thread.
func (db *DB) FollowThread(ctx context.Context, chatID, rootID, userID int64, follow bool) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		if err := threadOf(ctx, tx, chatID, rootID, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO thread_follows (root_id, user_id, following) VALUES ($1, $2, $3)
			ON CONFLICT (root_id, user_id) DO UPDATE SET following = excluded.following`, rootID, userID, follow)
		if err != nil {
			return fmt.Errorf("postgres: follow thread: %w", err)
		}
		return nil
	})
}

// ReadThread moves the user's read position in a thread forward.
func (db *DB) ReadThread(ctx context.Context, chatID, rootID, userID, seq int64) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		if err := threadOf(ctx, tx, chatID, rootID, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO thread_follows (root_id, user_id, last_read_seq) VALUES ($1, $2, $3)
			ON CONFLICT (root_id, user_id) DO UPDATE SET last_read_seq = greatest(thread_follows.last_read_seq, excluded.last_read_seq)`,
			rootID, userID, seq)
		if err != nil {
			return fmt.Errorf("postgres: read thread: %w", err)
		}
		return nil
	})
}

// Threads lists the threads the user follows in chats they are in, latest reply first.
func (db *DB) Threads(ctx context.Context, userID int64, limit int) ([]fechatter.ThreadSummary, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var out []fechatter.ThreadSummary
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+msgCols+`, f.last_read_seq,
			(SELECT count(*) FROM messages r WHERE r.thread_id = m.id AND r.seq > f.last_read_seq AND NOT r.deleted
				AND r.sender_id <> f.user_id)
			FROM thread_follows f JOIN messages m ON m.id = f.root_id
			JOIN members mb ON mb.chat_id = m.chat_id AND mb.user_id = f.user_id
			WHERE f.user_id = $1 AND f.following AND m.reply_count > 0
			ORDER BY m.last_reply_at DESC, m.id DESC LIMIT $2`, userID, limit)
		if err != nil {
			return fmt.Errorf("postgres: threads: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.ThreadSummary, error) {
			var t fechatter.ThreadSummary
			var err error
			t.Root, err = scanMessage(r, &t.LastReadSeq, &t.Unread)
			return t, err
		})
		if err != nil {
			return fmt.Errorf("postgres: threads: %w", err)
		}
		roots := make([]fechatter.Message, len(out))
		for i := range out {
			roots[i] = out[i].Root
		}
		if err := attachReactions(ctx, tx, roots); err != nil {
			return err
		}
		for i := range out {
			out[i].Root = roots[i]
		}
		return nil
	})
	if out == nil && err == nil {
		out = []fechatter.ThreadSummary{}
	}
	return out, err
}

// Channels lists the workspace's public channels whose name contains q.
func (db *DB) Channels(ctx context.Context, workspaceID, userID int64, q string, limit int) ([]fechatter.ChannelInfo, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var out []fechatter.ChannelInfo
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+chatCols+`,
			EXISTS (SELECT 1 FROM members m WHERE m.chat_id = c.id AND m.user_id = $1)
			FROM chats c WHERE c.workspace_id = $2 AND c.kind = 'channel' AND NOT c.private
			AND strpos(lower(c.name), $3) > 0 ORDER BY lower(c.name), c.id LIMIT $4`,
			userID, workspaceID, strings.ToLower(q), limit)
		if err != nil {
			return fmt.Errorf("postgres: channels: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.ChannelInfo, error) {
			var ci fechatter.ChannelInfo
			var err error
			ci.Chat, err = scanChat(r, &ci.Joined)
			return ci, err
		})
		if err != nil {
			return fmt.Errorf("postgres: channels: %w", err)
		}
		return nil
	})
	if out == nil && err == nil {
		out = []fechatter.ChannelInfo{}
	}
	return out, err
}

// Reads lists every member's read position in a chat.
func (db *DB) Reads(ctx context.Context, chatID int64) ([]fechatter.ReadPosition, error) {
	var out []fechatter.ReadPosition
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT user_id, last_read_seq FROM members WHERE chat_id = $1 ORDER BY user_id`, chatID)
		if err != nil {
			return fmt.Errorf("postgres: reads: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.ReadPosition, error) {
			var p fechatter.ReadPosition
			err := r.Scan(&p.UserID, &p.LastReadSeq)
			return p, err
		})
		if err != nil {
			return fmt.Errorf("postgres: reads: %w", err)
		}
		return nil
	})
	if out == nil && err == nil {
		out = []fechatter.ReadPosition{}
	}
	return out, err
}
