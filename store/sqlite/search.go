package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter"
)

// SearchMessages runs a full-text search over the FTS5 index (migration 0002). The MATCH
// expression is built from normalised words only and bound as a parameter, like every other
// value; chat, sender and member filters are applied in the same statement.
func (db *DB) SearchMessages(ctx context.Context, q fechatter.MessageSearch) ([]fechatter.Message, error) {
	if err := checkSearch(q); err != nil {
		return nil, err
	}
	msgs := []fechatter.Message{}
	if len(q.ChatIDs) == 0 {
		return msgs, nil
	}
	query, args := searchSQL(q)
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("sqlite: search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return fmt.Errorf("sqlite: search: scan: %w", err)
			}
			msgs = append(msgs, m)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite: search: %w", err)
		}
		return nil
	})
	return msgs, err
}

// searchSQL builds the statement and its arguments. With text, it reads the FTS5 table by
// rowid descending (FTS5 walks its doclists in that order, so LIMIT stops early); relevance
// ranks (bm25) the newest RelevanceWindow matches.
func searchSQL(q fechatter.MessageSearch) (string, []any) {
	var b strings.Builder
	var args []any
	text := !q.Text.Empty()
	if text {
		b.WriteString(`SELECT m.id AS id, f.rank AS score FROM messages_fts f JOIN messages m ON m.id = f.rowid
			WHERE messages_fts MATCH ?`)
		args = append(args, matchExpr(q.Text))
	} else {
		b.WriteString(`SELECT m.id AS id, 0 AS score FROM messages m WHERE 1`)
	}
	b.WriteString(` AND m.chat_id IN (SELECT value FROM json_each(?))
		AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?)
		AND m.deleted = 0`)
	args = append(args, jsonIDs(q.ChatIDs), q.UserID)
	if len(q.SenderIDs) > 0 {
		b.WriteString(` AND m.sender_id IN (SELECT value FROM json_each(?))`)
		args = append(args, jsonIDs(q.SenderIDs))
	}
	if !q.Since.IsZero() {
		b.WriteString(` AND m.created_at >= ?`)
		args = append(args, micros(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(` AND m.created_at < ?`)
		args = append(args, micros(q.Until))
	}
	if q.Recent && q.BeforeID > 0 {
		b.WriteString(` AND m.id < ?`)
		args = append(args, q.BeforeID)
	}
	order := ` ORDER BY m.id DESC`
	if text {
		order = ` ORDER BY f.rowid DESC` // lets FTS5 walk its doclists newest first
	}
	if !text || q.Recent {
		b.WriteString(order + ` LIMIT ? OFFSET ?`)
		args = append(args, q.Limit, q.Offset)
		return `SELECT ` + msgCols + ` FROM (` + b.String() + `) c JOIN messages m ON m.id = c.id ORDER BY m.id DESC`, args
	}
	b.WriteString(order + ` LIMIT ?`)
	args = append(args, fechatter.RelevanceWindow, q.Limit, q.Offset)
	return `SELECT ` + msgCols + ` FROM (` + b.String() + `) c JOIN messages m ON m.id = c.id
		ORDER BY c.score, m.id DESC LIMIT ? OFFSET ?`, args
}

// matchExpr renders a TextQuery as an FTS5 query: quoted strings (so no word is ever read as
// an operator), AND between terms, NOT before the excluded ones.
func matchExpr(t fechatter.TextQuery) string {
	var pos []string
	for _, w := range t.Words {
		pos = append(pos, ftsString(w))
	}
	for _, p := range t.Phrases {
		pos = append(pos, ftsString(strings.Join(p, " ")))
	}
	if t.Prefix != "" {
		pos = append(pos, ftsString(t.Prefix)+"*")
	}
	expr := "(" + strings.Join(pos, " AND ") + ")"
	if len(t.Excluded) > 0 {
		var neg []string
		for _, e := range t.Excluded {
			neg = append(neg, ftsString(strings.Join(e, " ")))
		}
		expr += " NOT (" + strings.Join(neg, " OR ") + ")"
	}
	return expr
}

func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func jsonIDs(ids []int64) string {
	raw, _ := json.Marshal(ids) // []int64 always marshals
	return string(raw)
}

// MemberChats lists the user's chats by id.
func (db *DB) MemberChats(ctx context.Context, userID int64) ([]fechatter.Chat, error) {
	chats := []fechatter.Chat{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+chatCols+` FROM members mb JOIN chats c ON c.id = mb.chat_id
			WHERE mb.user_id = ? ORDER BY c.id`, userID)
		if err != nil {
			return fmt.Errorf("sqlite: member chats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanChat(rows)
			if err != nil {
				return fmt.Errorf("sqlite: member chats: %w", err)
			}
			chats = append(chats, c)
		}
		return rows.Err()
	})
	return chats, err
}

// ScanMessages pages every message by ascending id.
func (db *DB) ScanMessages(ctx context.Context, afterID int64, limit int) ([]fechatter.Message, int64, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, 0, err
	}
	msgs := []fechatter.Message{}
	var maxID int64
	err := db.view(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM messages`).Scan(&maxID); err != nil {
			return fmt.Errorf("sqlite: scan messages: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id > ? ORDER BY m.id LIMIT ?`, afterID, limit)
		if err != nil {
			return fmt.Errorf("sqlite: scan messages: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return fmt.Errorf("sqlite: scan messages: %w", err)
			}
			msgs = append(msgs, m)
		}
		return rows.Err()
	})
	return msgs, maxID, err
}

// checkSearch validates a MessageSearch. It is the same in store/postgres/search.go.
func checkSearch(q fechatter.MessageSearch) error {
	switch {
	case q.Limit <= 0 || q.Limit > fechatter.MaxSearchLimit+1:
		return invalid("search limit must be from 1 to %d", fechatter.MaxSearchLimit+1)
	case q.Offset < 0 || q.BeforeID < 0:
		return invalid("search offset must not be negative")
	case q.Text.Empty() && len(q.Text.Excluded) > 0:
		return invalid("a search cannot consist of excluded words only")
	}
	return nil
}
