package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// Choosing what drives a search, by selectivity. Putting the user's chats into the tsquery
// makes the GIN scan read the posting list of every one of them (a user in 100 chats: tens of
// thousands of entries), which pays off for a frequent word: otherwise thousands of its rows
// are fetched only to be dropped. For a rare word, the word's own posting list and a check of
// each row's chat are cheaper. How frequent a word is comes from the planner's statistics of
// the tsv column (pg_stats.most_common_elems, kept by ANALYZE/autovacuum): a lexeme missing
// from that list is rarer than all of them. The text is estimated to match total × Π(frequency
// of each term), as if the terms were independent; the chats go into the tsquery from
// wordsDriveBelow matches (a bitmap heap scan reads every candidate row either way, so unlike
// SQLite the page size does not matter).
var wordsDriveBelow = 5_000.0 // messages; a variable only so that tests can force either plan

const (
	fewChats     = 8               // chats whose posting lists are always cheap to read
	termStatsTTL = 5 * time.Minute // how long the statistics are reused
)

// termStats caches the most common lexemes of messages.tsv and their document counts.
type termStats struct {
	mu      sync.Mutex
	read    time.Time
	docs    map[string]float64
	minDocs float64 // the count of the least common listed lexeme: an upper bound for the others
	rows    float64 // messages in the table (pg_class.reltuples)
}

// chatsDrive reports whether the search's chats belong in the tsquery.
func (db *DB) chatsDrive(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch) (bool, error) {
	if q.Text.Empty() || len(q.ChatIDs) <= fewChats {
		return true, nil
	}
	if wordsDriveBelow == 0 { // tests
		return true, nil
	}
	if len(q.SenderIDs) > 0 {
		return false, nil // the senders' lexemes are in the tsquery and selective enough
	}
	docs, err := db.terms.rarest(ctx, tx, q.Text)
	return docs >= wordsDriveBelow, err
}

// rarest estimates how many messages match the positive terms of t.
func (s *termStats) rarest(ctx context.Context, tx pgx.Tx, t fechatter.TextQuery) (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs == nil || time.Since(s.read) > termStatsTTL {
		if err := s.load(ctx, tx); err != nil {
			return 0, err
		}
	}
	if s.rows <= 0 {
		return 0, nil
	}
	est := s.rows
	words := append([]string(nil), t.Words...)
	for _, p := range t.Phrases {
		words = append(words, p...)
	}
	for _, w := range words {
		est *= min(s.count(w)/s.rows, 1)
	}
	// A prefix can be frequent: it does not narrow the estimate.
	return est, nil
}

func (s *termStats) count(w string) float64 {
	if n, ok := s.docs[w]; ok {
		return n
	}
	return s.minDocs
}

func (s *termStats) load(ctx context.Context, tx pgx.Tx) error {
	var elems []string
	var freqs []float64
	var rows float64
	err := tx.QueryRow(ctx, `SELECT coalesce(st.most_common_elems::text::text[], '{}'),
			coalesce(st.most_common_elem_freqs, '{}'), greatest(c.reltuples, 0)
		FROM pg_class c LEFT JOIN pg_stats st ON st.schemaname = current_schema()
			AND st.tablename = 'messages' AND st.attname = 'tsv'
		WHERE c.oid = 'messages'::regclass`).Scan(&elems, &freqs, &rows)
	if err != nil {
		return err
	}
	s.docs, s.minDocs, s.rows, s.read = make(map[string]float64, len(elems)), 0, rows, time.Now()
	for i, e := range elems {
		if i < len(freqs) {
			s.docs[e] = freqs[i] * rows
		}
	}
	if len(freqs) > len(elems)+1 { // the array ends with the minimum, maximum and null frequencies
		s.minDocs = freqs[len(elems)] * rows
	}
	return nil
}
