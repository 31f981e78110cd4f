//go:build searchbench

package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/store/sqlite"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchLatency loads FECHATTER_SEARCH_BENCH_N messages (default 1,000,000) in bulk and
// reports search p50/p99. Run: go test -tags searchbench -run TestSearchLatency -v -timeout 60m ./store/sqlite/
// With FECHATTER_SEARCH_BENCH_DIR set, the loaded database is kept there (sqlite-<N>.db and
// its corpus sqlite-<N>.json) and reused by the next run instead of loading again. With
// FECHATTER_SEARCH_BENCH_PLAN=chats every search puts its chats into the MATCH.
func TestSearchLatency(t *testing.T) {
	n := 1_000_000
	if v := os.Getenv("FECHATTER_SEARCH_BENCH_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := os.Getenv("FECHATTER_SEARCH_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("sqlite-%d.db", n))
	meta := strings.TrimSuffix(path, ".db") + ".json"
	corpus, ok, err := storetest.LoadSearchCorpus(meta, n)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}
	ctx := t.Context()
	db, err := sqlite.Open(ctx, path, sqlite.Options{}) // no 1-minute bound: migrations rebuild the index
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if !ok {
		if corpus, err = storetest.NewSearchCorpus(ctx, db, 500, 2000, 25); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := bulkLoad(ctx, path, corpus, n); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %d messages in %v (%s)", n, time.Since(start).Round(time.Second), path)
		if err := corpus.Save(meta, n); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Logf("reusing %d messages in %s", n, path)
	}
	if os.Getenv("FECHATTER_SEARCH_BENCH_PLAN") == "chats" { // time the other plan
		defer sqlite.ForceChatsDrive()()
	}
	svc := search.New(db, db, []byte("bench"))
	corpus.LatencyReport(t, func(ctx context.Context, u fechatter.User, q string, recent bool) (int, error) {
		p, err := svc.Search(ctx, u, search.Request{Q: q, Recent: recent, Limit: 20})
		return len(p.Hits), err
	}, storetest.BenchRounds())
}

// bulkLoad inserts messages and their events directly, in large transactions; the FTS
// triggers index them as Send would.
func bulkLoad(ctx context.Context, path string, c *storetest.SearchCorpus, n int) error {
	raw, err := sql.Open("sqlite", path+"?_busy_timeout=10000&_journal_mode=WAL&_synchronous=OFF")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	seqs := make([]int64, len(c.Chats))
	const batch = 50000
	for lo := 0; lo < n; lo += batch {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		msg, err := tx.PrepareContext(ctx, `INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		ev, err := tx.PrepareContext(ctx, `INSERT INTO events (chat_id, seq, kind, message_id, created_at) VALUES (?, ?, 'message', ?, ?)`)
		if err != nil {
			return err
		}
		for i := lo; i < min(n, lo+batch); i++ {
			ci, sender, text, at := c.Message(i)
			seqs[ci]++
			chat := c.Chats[ci].ID
			res, err := msg.ExecContext(ctx, chat, seqs[ci], sender, fmt.Sprintf("bulk-%d", i), text, at.UnixMicro())
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			if _, err := ev.ExecContext(ctx, chat, seqs[ci], id, at.UnixMicro()); err != nil {
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	_, err = raw.ExecContext(ctx, `UPDATE chats SET last_seq = (SELECT coalesce(max(seq), 0) FROM messages WHERE chat_id = chats.id)`)
	if err == nil {
		_, err = raw.ExecContext(ctx, `ANALYZE`)
	}
	return err
}
