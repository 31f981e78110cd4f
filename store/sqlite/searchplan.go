package sqlite

import (
	"context"
	"database/sql"

	"github.com/fechatter/fechatter"
)

// Choosing what drives a search, by selectivity. Putting the user's chats into the MATCH
// makes FTS5 read the doclist of every one of them (a user in 100 chats: tens of thousands
// of entries) but stop after RelevanceWindow hits; letting the words drive reads every
// message that contains them to check its chat. So the words drive when they are rare, the
// chats when the words are frequent or the chats few.
// wordsDriveBelow is the number of messages containing the text's rarest term under which
// the words drive. A variable only so that tests can force either plan.
var wordsDriveBelow int64 = 10_000

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
	if q.Text.Empty() || len(q.ChatIDs) <= fewChats {
		return true, nil
	}
	if len(q.SenderIDs) > 0 {
		return false, nil
	}
	docs, err := rarestTerm(ctx, tx, q.Text)
	return docs >= wordsDriveBelow, err
}

// rarestTerm estimates how many messages contain the rarest positive term of t.
func rarestTerm(ctx context.Context, tx *sql.Tx, t fechatter.TextQuery) (int64, error) {
	best := int64(-1)
	consider := func(n int64) {
		if best < 0 || n < best {
			best = n
		}
	}
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
		consider(n)
	}
	if t.Prefix != "" && best != 0 {
		var n sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT sum(doc) FROM (SELECT doc FROM messages_fts_vocab
			WHERE term >= ? AND term < ? LIMIT ?)`, t.Prefix, t.Prefix+"\U0010FFFF", prefixTerms).Scan(&n)
		if err != nil {
			return 0, err
		}
		consider(n.Int64)
	}
	return max(best, 0), nil
}
