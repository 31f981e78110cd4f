package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// SearchMessages runs a full-text search over messages.tsv (migration 0002) with the
// "fechatter" text search configuration. The tsquery is built from normalised words, each
// quoted as a lexeme, and bound as one parameter; so are all the filters.
func (db *DB) SearchMessages(ctx context.Context, q fechatter.MessageSearch) ([]fechatter.Message, error) {
	if err := checkSearch(q); err != nil {
		return nil, err
	}
	if len(q.ChatIDs) == 0 {
		return []fechatter.Message{}, nil
	}
	var msgs []fechatter.Message
	err := db.view(ctx, func(tx pgx.Tx) error {
		chats, filterDrives := chatsOf(q), false
		if !q.Text.Empty() && !forceWordsDrive {
			walk, err := db.walkPays(ctx, tx, q)
			if walk || err != nil {
				if err == nil {
					msgs, err = db.searchByChats(ctx, tx, q)
				}
				return err
			}
			var done bool
			msgs, done, err = db.searchByBlocks(ctx, tx, q)
			if done || err != nil {
				return err
			}
			if chats == chatsByIndex {
				few, err := db.fewCandidates(ctx, tx, q)
				if err != nil {
					return err
				}
				if few {
					chats = chatsOnRow
				}
			}
			if filterDrives, err = db.prefixRecheck(ctx, tx, q, chats); err != nil {
				return err
			}
		}
		query, args := searchSQL(q, chats, filterDrives)
		// An unnamed statement is planned for its actual tsquery every time: a cached generic
		// plan cannot see how selective the words are and may walk the primary key instead.
		rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
		if err != nil {
			return fmt.Errorf("postgres: search: %w", err)
		}
		msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
		if err != nil {
			return fmt.Errorf("postgres: search: %w", err)
		}
		return nil
	})
	if msgs == nil {
		msgs = []fechatter.Message{}
	}
	return msgs, err
}

// searchSQL builds the one statement of a search that searchByBlocks does not answer.
//
// With text, the tsquery holds the words, the senders (lexemes '#s<id>', migration 0009) and,
// for a few chats, the chats ('#c<id>'); otherwise the chats filter as chatsOf says (see
// searchplan.go). Relevance (ts_rank_cd on the words) ranks the newest RelevanceWindow hits.
// Membership is checked once more against members.
//
// When filterDrives, GIN is asked for the filters' lexemes alone and the words are checked on
// each of their rows (see prefixRecheck).
func searchSQL(q fechatter.MessageSearch, chats chatFilter, filterDrives bool) (string, []any) {
	var b strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	text := !q.Text.Empty()
	score := "0"
	b.WriteString(`FROM messages m WHERE NOT m.deleted`)
	if text {
		words := `to_tsquery('fechatter', ` + arg(tsQuery(q.Text)) + `)`
		f := filterQuery(q, chats == chatsInQuery)
		switch {
		case f != "" && filterDrives:
			b.WriteString(` AND m.tsv @@ ` + arg(f) + `::tsquery AND (m.tsv @@ ` + words + `) IS TRUE`)
		case f != "":
			b.WriteString(` AND m.tsv @@ (` + words + ` && ` + arg(f) + `::tsquery)`)
		default:
			b.WriteString(` AND m.tsv @@ ` + words)
		}
		b.WriteString(chatClause(q, chats, arg))
		score = `ts_rank_cd(m.tsv, ` + words + `)`
	} else {
		b.WriteString(` AND m.chat_id = ANY(` + arg(q.ChatIDs) + `::bigint[])`)
		if len(q.SenderIDs) > 0 {
			b.WriteString(` AND m.sender_id = ANY(` + arg(q.SenderIDs) + `::bigint[])`)
		}
	}
	b.WriteString(` AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ` + arg(q.UserID) + `)`)
	if !q.Since.IsZero() {
		b.WriteString(` AND m.created_at >= ` + arg(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(` AND m.created_at < ` + arg(q.Until))
	}
	if q.Recent && q.BeforeID > 0 {
		b.WriteString(` AND m.id < ` + arg(q.BeforeID))
	}
	if !text || q.Recent {
		return `SELECT ` + msgCols + ` ` + b.String() + ` ORDER BY m.id DESC LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset), args
	}
	// The page is picked from the window before its rows are read: joining all the window's
	// ids back to messages first read up to RelevanceWindow rows for a page of twenty.
	inner := `SELECT m.id, ` + score + ` AS score ` + b.String() + ` ORDER BY m.id DESC LIMIT ` + arg(fechatter.RelevanceWindow)
	page := `SELECT w.id, w.score FROM (` + inner + `) w ORDER BY w.score DESC, w.id DESC LIMIT ` + arg(q.Limit) + ` OFFSET ` + arg(q.Offset)
	return `SELECT ` + msgCols + ` FROM (` + page + `) c JOIN messages m ON m.id = c.id
		ORDER BY c.score DESC, m.id DESC`, args
}

// filterQuery renders the id blocks, the chats (when chats) and the senders as a tsquery over
// the lexemes migrations 0009 and 0011 add: ('#b15' | '#b14') & ('#c1' | '#c2') & ('#s7'). Ids that cannot exist (zero or negative)
// match nothing. It is empty when there is nothing to filter.
func filterQuery(q fechatter.MessageSearch, chats bool, blocks ...int64) string {
	var parts []string
	if len(blocks) > 0 {
		parts = append(parts, "("+idLexemes("#b", blocks)+")")
	}
	if chats {
		parts = append(parts, "("+idLexemes("#c", q.ChatIDs)+")")
	}
	if len(q.SenderIDs) > 0 {
		parts = append(parts, "("+idLexemes("#s", q.SenderIDs)+")")
	}
	return strings.Join(parts, " & ")
}

func idLexemes(prefix string, ids []int64) string {
	ls := make([]string, len(ids))
	for i, id := range ids {
		ls[i] = "'" + prefix + strconv.FormatInt(max(id, 0), 10) + "'"
	}
	return strings.Join(ls, " | ")
}

// tsQuery renders a TextQuery in to_tsquery syntax: every word a quoted lexeme, & between
// terms, <-> inside phrases, :* on the prefix, ! before each excluded term.
func tsQuery(t fechatter.TextQuery) string {
	var terms []string
	for _, w := range t.Words {
		terms = append(terms, lexeme(w))
	}
	for _, p := range t.Phrases {
		terms = append(terms, phrase(p))
	}
	if t.Prefix != "" {
		terms = append(terms, lexeme(t.Prefix)+":*")
	}
	for _, e := range t.Excluded {
		terms = append(terms, "!"+phrase(e))
	}
	return strings.Join(terms, " & ")
}

func phrase(words []string) string {
	ls := make([]string, len(words))
	for i, w := range words {
		ls[i] = lexeme(w)
	}
	return "(" + strings.Join(ls, " <-> ") + ")"
}

// lexeme quotes w as a tsquery lexeme: inside single quotes, ' and \ are doubled/escaped.
func lexeme(w string) string {
	w = strings.ReplaceAll(w, `\`, `\\`)
	return "'" + strings.ReplaceAll(w, "'", "''") + "'"
}

// MemberChats lists the user's chats by id.
func (db *DB) MemberChats(ctx context.Context, userID int64) ([]fechatter.Chat, error) {
	var chats []fechatter.Chat
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+chatCols+` FROM members mb JOIN chats c ON c.id = mb.chat_id
			WHERE mb.user_id = $1 ORDER BY c.id`, userID)
		if err != nil {
			return fmt.Errorf("postgres: member chats: %w", err)
		}
		chats, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Chat, error) { return scanChat(r) })
		if err != nil {
			return fmt.Errorf("postgres: member chats: %w", err)
		}
		return nil
	})
	if chats == nil {
		chats = []fechatter.Chat{}
	}
	return chats, err
}

// ScanMessages pages every message by ascending id, with its files (a search index holds
// their names).
func (db *DB) ScanMessages(ctx context.Context, afterID int64, limit int) ([]fechatter.Message, int64, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, 0, err
	}
	var msgs []fechatter.Message
	var maxID int64
	err := db.view(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM messages`).Scan(&maxID); err != nil {
			return fmt.Errorf("postgres: scan messages: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id > $1 ORDER BY m.id LIMIT $2`, afterID, limit)
		if err != nil {
			return fmt.Errorf("postgres: scan messages: %w", err)
		}
		msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
		if err != nil {
			return fmt.Errorf("postgres: scan messages: %w", err)
		}
		return attachFiles(ctx, tx, msgs)
	})
	if msgs == nil {
		msgs = []fechatter.Message{}
	}
	return msgs, maxID, err
}

// checkSearch validates a MessageSearch. It is the same in store/sqlite/search.go.
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
