package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// extra is what a new message carries besides its text: the thread it replies in and the
// members it mentions.
type extra struct {
	thread    int64
	mentions  []int64
	broadcast string
	files     []fechatter.File
}

func (x extra) none() bool {
	return x.thread == 0 && len(x.mentions) == 0 && x.broadcast == "" && len(x.files) == 0
}

// resolveExtras works out the batch's threads and mentions in two queries; a send replying
// to a message outside its chat fails on its own.
func resolveExtras(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) (map[int]extra, error) {
	out := map[int]extra{}
	var threads []int64
	var chats, users []int64
	for _, i := range todo {
		var x extra
		ids, b := fechatter.ParseMentions(ps[i].Text)
		x.broadcast = b
		for _, id := range ids {
			chats, users = append(chats, ps[i].ChatID), append(users, id)
		}
		if ps[i].ThreadID != 0 {
			threads = append(threads, ps[i].ThreadID)
		}
		out[i] = x
	}
	if len(threads) > 0 {
		roots := map[int64][2]int64{} // id → chat, thread
		rows, err := tx.Query(ctx, `SELECT id, chat_id, coalesce(thread_id, 0) FROM messages WHERE id = ANY($1)`, threads)
		if err != nil {
			return nil, fmt.Errorf("postgres: thread roots: %w", err)
		}
		for rows.Next() {
			var id, chat, parent int64
			if err := rows.Scan(&id, &chat, &parent); err != nil {
				rows.Close()
				return nil, fmt.Errorf("postgres: thread roots: %w", err)
			}
			roots[id] = [2]int64{chat, parent}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("postgres: thread roots: %w", err)
		}
		for _, i := range todo {
			if id := ps[i].ThreadID; id != 0 {
				r, ok := roots[id]
				if !ok || r[0] != ps[i].ChatID {
					res[i].Err = fechatter.ErrBadThread()
					continue
				}
				x := out[i]
				x.thread = id
				if r[1] != 0 {
					x.thread = r[1]
				}
				out[i] = x
			}
		}
	}
	if len(users) > 0 {
		rows, err := tx.Query(ctx, `SELECT k.chat_id, k.user_id FROM unnest($1::bigint[], $2::bigint[]) AS k(chat_id, user_id)
			JOIN members m ON m.chat_id = k.chat_id AND m.user_id = k.user_id ORDER BY k.user_id`, chats, users)
		if err != nil {
			return nil, fmt.Errorf("postgres: mentions: %w", err)
		}
		member := map[[2]int64]bool{}
		for rows.Next() {
			var chat, user int64
			if err := rows.Scan(&chat, &user); err != nil {
				rows.Close()
				return nil, fmt.Errorf("postgres: mentions: %w", err)
			}
			member[[2]int64{chat, user}] = true
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("postgres: mentions: %w", err)
		}
		for _, i := range todo {
			ids, _ := fechatter.ParseMentions(ps[i].Text)
			x := out[i]
			for _, id := range ids {
				if member[[2]int64{ps[i].ChatID, id}] {
					x.mentions = append(x.mentions, id)
				}
			}
			out[i] = x
		}
	}
	if err := claimFiles(ctx, tx, ps, res, todo, out); err != nil {
		return nil, err
	}
	return out, nil
}

// applyExtras records what a stored message's thread and mentions change: the root's reply
// count, who follows the thread, and a mention row per mentioned member.
func applyExtras(ctx context.Context, tx pgx.Tx, m fechatter.Message, now time.Time) error {
	if m.ThreadID != 0 {
		_, err := tx.Exec(ctx, `UPDATE messages SET reply_count = reply_count + 1, last_reply_at = $1 WHERE id = $2`, now, m.ThreadID)
		if err != nil {
			return fmt.Errorf("postgres: thread: %w", err)
		}
		// The replier follows the thread and has read it to here; the root's author follows
		// it unless they chose not to.
		_, err = tx.Exec(ctx, `INSERT INTO thread_follows (root_id, user_id, following, last_read_seq)
			VALUES ($1, $2, true, $3) ON CONFLICT (root_id, user_id) DO UPDATE SET following = true,
			last_read_seq = greatest(thread_follows.last_read_seq, excluded.last_read_seq)`, m.ThreadID, m.SenderID, m.Seq)
		if err != nil {
			return fmt.Errorf("postgres: thread follow: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO thread_follows (root_id, user_id) SELECT id, sender_id FROM messages
			WHERE id = $1 ON CONFLICT DO NOTHING`, m.ThreadID)
		if err != nil {
			return fmt.Errorf("postgres: thread follow: %w", err)
		}
	}
	var err error
	switch {
	case m.Broadcast != "":
		_, err = tx.Exec(ctx, `INSERT INTO mentions (user_id, chat_id, seq, message_id)
			SELECT user_id, chat_id, $1, $2 FROM members WHERE chat_id = $3 AND user_id <> $4`, m.Seq, m.ID, m.ChatID, m.SenderID)
	case len(m.Mentions) > 0:
		_, err = tx.Exec(ctx, `INSERT INTO mentions (user_id, chat_id, seq, message_id)
			SELECT user_id, chat_id, $1, $2 FROM members WHERE chat_id = $3 AND user_id <> $4 AND user_id = ANY($5)`,
			m.Seq, m.ID, m.ChatID, m.SenderID, m.Mentions)
	}
	if err != nil {
		return fmt.Errorf("postgres: mentions: %w", err)
	}
	return nil
}

// forgetExtras undoes what a deleted message counted for: its mentions, reactions and pin, and
// its place in its thread's reply count. A deleted root keeps its thread.
func forgetExtras(ctx context.Context, tx pgx.Tx, m fechatter.Message) error {
	for _, q := range []string{`DELETE FROM mentions WHERE message_id = $1`, `DELETE FROM reactions WHERE message_id = $1`,
		`UPDATE messages SET pinned_at = NULL, pinned_by = NULL, file_names = '' WHERE id = $1`,
		`DELETE FROM files WHERE message_id = $1`} {
		if _, err := tx.Exec(ctx, q, m.ID); err != nil {
			return fmt.Errorf("postgres: forget deleted message: %w", err)
		}
	}
	if m.ThreadID != 0 {
		if _, err := tx.Exec(ctx, `UPDATE messages SET reply_count = reply_count - 1 WHERE id = $1`, m.ThreadID); err != nil {
			return fmt.Errorf("postgres: thread: %w", err)
		}
	}
	return nil
}
