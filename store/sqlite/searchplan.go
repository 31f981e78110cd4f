package sqlite

import (
	"context"
	"database/sql"

	"github.com/fechatter/fechatter"
)

// Choosing what drives a search, by selectivity. Putting the user's chats into the MATCH
// makes FTS5 read the doclist of every one of them in full (newest-first iteration loads whole
// doclists; a user in 100 chats: tens of thousands of entries). Letting the words drive reads
// a messages row for every candidate to check its chat (a B-tree lookup, an order of magnitude
// dearer per item), but stops once the page or the relevance window is full. So the chats go
// into the MATCH only when the words would make the walk long: a relevance search whose text
// is estimated to match at least wordsDriveBelow messages, without exclusions (a NOT makes
// FTS5 read the excluded term's doclist in full as well). Measured on 1M messages
// (docs/benchmarks.md#search).

// wordsDriveBelow is the estimated number of messages matching the text under which the
// words drive. A variable only so that tests can force either plan.
var wordsDriveBelow int64 = 20_000

const (
	// fewChats is the number of chats whose doclists are always cheap to intersect.
	fewChats = 8
	// prefixTerms bounds how many index terms a prefix's estimate sums.
	prefixTerms = 200
)

// chatsDrive reports whether the search's chats belong in the MATCH expression. It reads the
// document frequency of the text's terms from messages_fts_vocab (migration 0009). A sender
// filter is always in the MATCH (a few thousand entries at most), and then the words and the
// sender together are selective enough for the chats to be checked on the rows.
func chatsDrive(ctx context.Context, tx *sql.Tx, q fechatter.MessageSearch) (bool, error) {
	switch {
	case q.Text.Empty() || len(q.ChatIDs) <= fewChats:
		return true, nil
	case wordsDriveBelow == 0: // tests
		return true, nil
	case len(q.SenderIDs) > 0 || q.Recent || len(q.Text.Excluded) > 0:
		return false, nil
	}
	docs, err := textMatches(ctx, tx, q.Text)
	return docs >= wordsDriveBelow, err
}

// textMatches estimates how many messages match the positive terms of t, taking the terms as
// independent: total × Π(frequency of each term).
func textMatches(ctx context.Context, tx *sql.Tx, t fechatter.TextQuery) (int64, error) {
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM messages`).Scan(&total); err != nil {
		return 0, err
	}
	if total == 0 {
		return 0, nil
	}
	est := float64(total)
	words := append([]string(nil), t.Words...)
	for _, p := range t.Phrases {
		words = append(words, p...)
	}
	for _, w := range words {
		var n int64
		err := tx.QueryRowContext(ctx, `SELECT doc FROM messages_fts_vocab WHERE term = ?`, w).Scan(&n)
		if err != nil && err != sql.ErrNoRows {
			return 0, err
		}
		est *= min(float64(n)/float64(total), 1)
	}
	if t.Prefix != "" {
		var n sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT sum(doc) FROM (SELECT doc FROM messages_fts_vocab
			WHERE term >= ? AND term < ? LIMIT ?)`, t.Prefix, t.Prefix+"\U0010FFFF", prefixTerms).Scan(&n)
		if err != nil {
			return 0, err
		}
		est *= min(float64(n.Int64)/float64(total), 1)
	}
	return int64(est), nil
}
