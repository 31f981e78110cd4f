package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// statsMaxAge is how long the word frequencies are reused before they are read again.
const statsMaxAge = 10 * time.Minute

// lexemeStats holds how often the most common lexemes of messages.tsv occur, as ANALYZE last
// counted them (pg_stats.most_common_elems, about a thousand of them). A search reads them to
// guess, before it runs, whether its words are frequent enough for searchByBlocks to pay off:
// a search whose words are not listed costs no statement more than before.
type lexemeStats struct {
	mu    sync.Mutex
	read  time.Time
	freq  map[string]float32 // share of messages holding the lexeme
	floor float32            // the rarest listed share: any other lexeme is rarer still
	rows  float64            // messages in the table, as ANALYZE last counted them
}

// share returns the stats' guess of the share of messages that hold w, and whether w is
// listed (otherwise it is at most the floor).
func (s *lexemeStats) share(ctx context.Context, tx pgx.Tx, w string) (float32, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx, tx); err != nil {
		return 0, false, err
	}
	f, ok := s.freq[w]
	if !ok {
		f = s.floor
	}
	return f, ok, nil
}

// prefixShare returns the share of messages holding a listed lexeme that starts with p: at
// least that many hold a word with the prefix (the shares overlap, so it may overcount a
// little; capped at 1).
func (s *lexemeStats) prefixShare(ctx context.Context, tx pgx.Tx, p string) (float32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx, tx); err != nil {
		return 0, err
	}
	var sum float32
	for w, f := range s.freq {
		if strings.HasPrefix(w, p) {
			sum += f
		}
	}
	return min(sum, 1), nil
}

// messages returns how many messages the table holds, as ANALYZE last counted.
func (s *lexemeStats) messages(ctx context.Context, tx pgx.Tx) (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.load(ctx, tx)
	return s.rows, err
}

// load reads the stats when they are missing or older than statsMaxAge; s.mu is held.
func (s *lexemeStats) load(ctx context.Context, tx pgx.Tx) error {
	if s.freq != nil && time.Since(s.read) <= statsMaxAge {
		return nil
	}
	var elems []string
	var freqs []float32
	err := tx.QueryRow(ctx, `SELECT coalesce(most_common_elems::text::text[], '{}'), coalesce(most_common_elem_freqs, '{}')
		FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'messages' AND attname = 'tsv'`).Scan(&elems, &freqs)
	if errors.Is(err, pgx.ErrNoRows) { // not analyzed yet
		err = nil
	}
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = 'messages'::regclass`).Scan(&s.rows)
	}
	if err != nil {
		return err
	}
	s.freq, s.floor, s.read = make(map[string]float32, len(elems)), 0, time.Now()
	if len(freqs) >= len(elems)+2 { // the elements' shares, then the minimum and the maximum
		for i, e := range elems {
			s.freq[e] = freqs[i]
		}
		s.floor = freqs[len(elems)]
	}
	return nil
}

// blocksPay guesses whether q's matches among the messages of its chats (readable of them)
// outnumber the relevance window by enough that searching newest id blocks first reads fewer
// rows than one scan of them all. Each block step filters the chats once more (their index
// ranges, or their lexemes for a few chats), which costs milliseconds however few rows it
// finds (measured on 1M messages,
// docs/benchmarks.md#search), so words that are not among the most common (and prefixes,
// whose words are unknown) keep the one scan, and so do sender filters, which make few
// matches, and searches by recency, which the planner answers walking the primary key
// backwards.
func (db *DB) blocksPay(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch, need int) (ok bool, top int64, err error) {
	share := float32(1)
	if !forceBlocks {
		if q.Recent || len(q.SenderIDs) > 0 || q.Text.Prefix != "" {
			return false, 0, nil
		}
		words := append([]string{}, q.Text.Words...)
		for _, p := range q.Text.Phrases {
			words = append(words, p...)
		}
		if len(words) == 0 {
			return false, 0, nil
		}
		for _, w := range words {
			f, listed, err := db.stats.share(ctx, tx, w)
			if err != nil || !listed {
				return false, 0, err
			}
			share = min(share, f)
		}
	}
	// top is the newest id a hit may have; readable about how many messages q's chats hold.
	var readable int64
	err = tx.QueryRow(ctx, `SELECT coalesce(max(id), 0), (SELECT coalesce(sum(last_seq), 0) FROM chats WHERE id = ANY($1))
		FROM messages`, q.ChatIDs).Scan(&top, &readable)
	if err != nil {
		return false, 0, fmt.Errorf("postgres: search: %w", err)
	}
	return forceBlocks || float64(share)*float64(readable) >= blocksFactor*float64(need), top, nil
}

// blocksFactor: the expected matches must be this many times the hits needed. At 2, a word in
// 4% of messages (about 2,300 readable matches for a user in 116 of 2,000 chats) went through
// the blocks and was no faster; a word in 26% (15,000) was twice as fast.
const blocksFactor = 5

// forceBlocks makes every text search go through the id blocks; tests set it.
var forceBlocks bool
