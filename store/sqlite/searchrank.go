package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
)

// rankedInGo reports whether the relevance window of q is ranked here rather than by FTS5's
// bm25: a search by relevance with one positive term (a word, a prefix or a phrase, with
// exclusions or not). bm25 first counts, once per search, every message of every phrase of the
// query for its IDF, i.e. walks the whole doclist of each word (260,000 entries for a word in
// a quarter of the messages, excluded words too) where the window needs its newest few
// thousand; that was 28 % of a frequent word's CPU (docs/benchmarks.md#search, fourth round).
// With one positive term the IDF multiplies every score alike and cannot change the order, so
// the same BM25 without it ranks the window as bm25 does.
func rankedInGo(q fechatter.MessageSearch) bool {
	t := q.Text
	terms := len(t.Words) + len(t.Phrases)
	if t.Prefix != "" {
		terms++
	}
	return !q.Recent && terms == 1
}

// BM25's parameters, FTS5's own; the weights are those of searchSQL's bm25 call (text 1, file
// names 0.5, the id columns 0).
const (
	bm25K1, bm25B              = 1.2, 0.75
	textWeight, fileNameWeight = 1.0, 0.5
)

// windowRow is a message of the relevance window with what ranking it needs.
type windowRow struct {
	id    int64
	freq  float64 // the term's weighted occurrences
	size  float64 // the message's tokens, as FTS5 counts them (text, file names, chat and sender)
	score float64
}

// searchRankedInGo runs a search for which rankedInGo holds: the window's ids and texts, ranked
// here, then the page's rows.
func (db *DB) searchRankedInGo(ctx context.Context, tx *sql.Tx, q fechatter.MessageSearch) ([]fechatter.Message, error) {
	window, args, withText := windowSQL(q, chatsDrive(q), textCols)
	if !withText { // the chats were in the MATCH: the texts are read for the window alone
		window = `SELECT c.id, ` + textCols + ` FROM (` + window + `) c JOIN messages m ON m.id = c.id`
	}
	rows, err := tx.QueryContext(ctx, window, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	defer rows.Close()
	term := termOf(q.Text)
	var buf []span
	var win []windowRow
	var total float64
	for rows.Next() {
		var r windowRow
		var text, files string
		if err := rows.Scan(&r.id, &text, &files); err != nil {
			return nil, fmt.Errorf("sqlite: search: scan: %w", err)
		}
		tf, tn := term.countIn(text, &buf)
		ff, fn := term.countIn(files, &buf)
		r.freq = textWeight*tf + fileNameWeight*ff
		r.size = float64(tn + fn + 2)
		total += r.size
		win = append(win, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	avg := total / float64(max(len(win), 1)) // the window's mean length stands for the table's
	for i := range win {
		r := &win[i]
		r.score = r.freq * (bm25K1 + 1) / (r.freq + bm25K1*(1-bm25B+bm25B*r.size/avg))
	}
	slices.SortStableFunc(win, func(a, b windowRow) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	var ids []int64
	for i := q.Offset; i < len(win) && len(ids) < q.Limit; i++ {
		ids = append(ids, win[i].id)
	}
	return pageRows(ctx, tx, ids, q.UserID)
}

// pageRows reads the messages with the given ids, in that order, that user may still read
// and that are not deleted.
func pageRows(ctx context.Context, tx *sql.Tx, ids []int64, user int64) ([]fechatter.Message, error) {
	msgs := make([]fechatter.Message, 0, len(ids))
	if len(ids) == 0 {
		return msgs, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id IN (SELECT value FROM json_each(?))
		AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ?) AND m.deleted = 0`, jsonIDs(ids), user)
	if err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	defer rows.Close()
	byID := map[int64]fechatter.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search: scan: %w", err)
		}
		byID[m.ID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: search: %w", err)
	}
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// term is the one positive term of a search ranked in Go.
type term struct {
	words  []string // a word, or a phrase's words in order
	prefix bool     // words[0] is a prefix
}

func termOf(t fechatter.TextQuery) term {
	switch {
	case len(t.Words) == 1:
		return term{words: t.Words}
	case len(t.Phrases) == 1:
		return term{words: t.Phrases[0]}
	}
	return term{words: []string{t.Prefix}, prefix: true}
}

// span is a word of an ASCII text: text[i:j].
type span struct{ i, j int }

// countIn returns how often the term occurs in a column's text and how many words it has. An
// ASCII text, most chat text, is split in place by the same rule search.Words applies (its
// words are the runs of letters and digits, folded to lower case; TestCountInFollowsWords
// compares the two), without allocating; any other goes through search.Words.
func (t term) countIn(text string, buf *[]span) (float64, int) {
	for k := 0; k < len(text); k++ {
		if text[k] >= 0x80 {
			ws := search.Words(text)
			return t.count(ws), len(ws)
		}
	}
	ws := (*buf)[:0]
	start := -1
	for k := 0; k <= len(text); k++ {
		if k < len(text) && isASCIIWordByte(text[k]) {
			if start < 0 {
				start = k
			}
			continue
		}
		if start >= 0 {
			ws = append(ws, span{start, k})
			start = -1
		}
	}
	*buf = ws
	n := 0
	for k := range ws {
		if t.prefix {
			w := text[ws[k].i:ws[k].j]
			if len(w) >= len(t.words[0]) && strings.EqualFold(w[:len(t.words[0])], t.words[0]) {
				n++
			}
			continue
		}
		if k+len(t.words) > len(ws) {
			break
		}
		match := true
		for x, w := range t.words {
			if !strings.EqualFold(text[ws[k+x].i:ws[k+x].j], w) {
				match = false
				break
			}
		}
		if match {
			n++
		}
	}
	return float64(n), len(ws)
}

func isASCIIWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// count returns how often the term occurs among the words of a column, as FTS5 counts a
// phrase's instances: at each position where it starts.
func (t term) count(ws []string) float64 {
	n := 0
	for i := range ws {
		if t.prefix {
			if strings.HasPrefix(ws[i], t.words[0]) {
				n++
			}
			continue
		}
		if i+len(t.words) <= len(ws) && slices.Equal(ws[i:i+len(t.words)], t.words) {
			n++
		}
	}
	return float64(n)
}

// forceBM25 makes every search rank with FTS5's bm25; tests set it to compare the rankings.
var forceBM25 bool
