package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
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
	if !anyPositive(q.ChatIDs) || (len(q.SenderIDs) > 0 && !anyPositive(q.SenderIDs)) {
		return msgs, nil // no chat, or senders that match nobody (ids are positive)
	}
	err := db.view(ctx, func(tx *sql.Tx) error {
		if rankedInGo(q) && !forceBM25 {
			var err error
			msgs, err = db.searchRankedInGo(ctx, tx, q)
			return err
		}
		query, args := searchSQL(q, chatsDrive(q))
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

// searchSQL builds the statement and its arguments.
//
// With text, FTS5 selects: the MATCH expression holds the words (column text), the senders
// (column sender_id) and, when chatsInMatch, the chats (column chat_id; migration 0009), so
// FTS5 intersects their doclists itself, walking them newest first (ORDER BY rowid DESC) and
// stopping at the LIMIT. Otherwise (many chats, see chatsDrive) the candidates are joined to
// messages and their chat checked there. Relevance (bm25 on the text column) ranks the
// newest RelevanceWindow hits; the page's rows are read from messages, where membership and
// tombstones are checked once more. Date filters are not in the FTS index: with one,
// candidates are joined to messages inside the window.
func searchSQL(q fechatter.MessageSearch, chatsInMatch bool) (string, []any) {
	if q.Text.Empty() {
		return listSQL(q)
	}
	window, args, _ := windowSQL(q, chatsInMatch, `bm25(messages_fts, 1, 0, 0, 0.5) AS score`)
	order := `c.score, c.id DESC`
	if q.Recent {
		order = `c.id DESC`
	}
	page := `SELECT c.id, c.score FROM (` + window + `) c ORDER BY ` + order + ` LIMIT ? OFFSET ?`
	if q.Recent {
		args = append(args, q.Limit, 0)
	} else {
		args = append(args, q.Limit, q.Offset)
	}
	args = append(args, q.UserID)
	return `SELECT ` + msgCols + ` FROM (` + page + `) c JOIN messages m ON m.id = c.id
		WHERE m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) AND m.deleted = 0
		ORDER BY ` + order, args
}

// windowSQL selects the ids of the newest hits of a text search, and cols (the rank, or the
// texts when the statement reads the messages rows anyway, withText): RelevanceWindow of
// them, or the page's worth by recency.
func windowSQL(q fechatter.MessageSearch, chatsInMatch bool, cols string) (sql string, args []any, withText bool) {
	var b strings.Builder
	args = []any{matchExpr(q, chatsInMatch)}
	if chatsInMatch && q.Since.IsZero() && q.Until.IsZero() {
		if cols == textCols {
			cols = `0`
		}
		b.WriteString(`SELECT f.rowid AS id, ` + cols + ` FROM messages_fts f WHERE messages_fts MATCH ?`)
	} else {
		withText = true
		b.WriteString(`SELECT f.rowid AS id, ` + cols + ` FROM messages_fts f
			JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ?`)
		if !chatsInMatch {
			b.WriteString(` AND m.chat_id IN (SELECT value FROM json_each(?))`)
			args = append(args, jsonIDs(q.ChatIDs))
		}
		if !q.Since.IsZero() {
			b.WriteString(` AND m.created_at >= ?`)
			args = append(args, micros(q.Since))
		}
		if !q.Until.IsZero() {
			b.WriteString(` AND m.created_at < ?`)
			args = append(args, micros(q.Until))
		}
	}
	if q.Recent && q.BeforeID > 0 {
		b.WriteString(` AND f.rowid < ?`)
		args = append(args, q.BeforeID)
	}
	b.WriteString(` ORDER BY f.rowid DESC LIMIT ?`) // FTS5 walks its doclists newest first
	if q.Recent {
		args = append(args, q.Limit)
	} else {
		args = append(args, fechatter.RelevanceWindow)
	}
	return b.String(), args, withText && cols == textCols
}

// textCols are the columns searchRankedInGo ranks by.
const textCols = `m.text, m.file_names`

// listSQL lists the messages the filters allow, newest first (a query of operators only).
func listSQL(q fechatter.MessageSearch) (string, []any) {
	var b strings.Builder
	b.WriteString(`SELECT m.id AS id FROM messages m WHERE m.chat_id IN (SELECT value FROM json_each(?))
		AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?)
		AND m.deleted = 0`)
	args := []any{jsonIDs(q.ChatIDs), q.UserID}
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
	if q.BeforeID > 0 {
		b.WriteString(` AND m.id < ?`)
		args = append(args, q.BeforeID)
	}
	b.WriteString(` ORDER BY m.id DESC LIMIT ? OFFSET ?`)
	args = append(args, q.Limit, q.Offset)
	return `SELECT ` + msgCols + ` FROM (` + b.String() + `) c JOIN messages m ON m.id = c.id ORDER BY m.id DESC`, args
}

// matchExpr renders a search as an FTS5 query: the text part on column text (quoted strings,
// so no word is ever read as an operator; AND between terms, NOT before the excluded ones),
// AND the chats (column chat_id) when chats is set, AND the senders (column sender_id).
func matchExpr(q fechatter.MessageSearch, chats bool) string {
	t := q.Text
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
	// Only the words' columns: chat_id and sender_id (migration 0009) hold numbers, which a
	// numeric term must not match; file names joined in migration 0010.
	expr = "{text file_names} : (" + expr + ")"
	if chats {
		expr += " AND chat_id : (" + ftsIDs(q.ChatIDs) + ")"
	}
	if len(q.SenderIDs) > 0 {
		expr += " AND sender_id : (" + ftsIDs(q.SenderIDs) + ")"
	}
	return expr
}

// ftsIDs renders the positive ids as FTS5 strings joined by OR: "1" OR "2". (The tokenizer
// would read "-1" as "1".)
func ftsIDs(ids []int64) string {
	var parts []string
	for _, id := range ids {
		if id > 0 {
			parts = append(parts, `"`+strconv.FormatInt(id, 10)+`"`)
		}
	}
	return strings.Join(parts, " OR ")
}

func anyPositive(ids []int64) bool {
	for _, id := range ids {
		if id > 0 {
			return true
		}
	}
	return false
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

// ScanMessages pages every message by ascending id, with its files (a search index holds
// their names).
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
		if err := scanMessages(ctx, tx, afterID, limit, &msgs); err != nil {
			return err
		}
		return attachFiles(ctx, tx, msgs)
	})
	return msgs, maxID, err
}

func scanMessages(ctx context.Context, tx *sql.Tx, afterID int64, limit int, msgs *[]fechatter.Message) error {
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
		*msgs = append(*msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: scan messages: %w", err)
	}
	return nil
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
