//go:build searchbench

package postgres_test

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchLatency loads FECHATTER_SEARCH_BENCH_N messages (default 1,000,000) with COPY and
// reports search p50/p99. Run: go test -tags searchbench -run TestSearchLatency -v -timeout 60m ./store/postgres/
// With FECHATTER_SEARCH_BENCH_DIR set, the loaded database is kept (fechatter_searchbench_<N>,
// its corpus in <dir>/postgres-<N>.json; FECHATTER_SEARCH_BENCH_PGDB names another database)
// and reused by the next run instead of loading again.
func TestSearchLatency(t *testing.T) {
	requirePG(t)
	n := 1_000_000
	if v := os.Getenv("FECHATTER_SEARCH_BENCH_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	var url string
	var corpus *storetest.SearchCorpus
	meta := ""
	if dir := os.Getenv("FECHATTER_SEARCH_BENCH_DIR"); dir != "" {
		meta = filepath.Join(dir, fmt.Sprintf("postgres-%d.json", n))
		var ok bool
		var err error
		if corpus, ok, err = storetest.LoadSearchCorpus(meta, n); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("fechatter_searchbench_%d", n)
		if v := os.Getenv("FECHATTER_SEARCH_BENCH_PGDB"); v != "" {
			name = v // e.g. a copy made with CREATE DATABASE … TEMPLATE, to compare two builds
		}
		url = keptDB(t, name, !ok)
	} else {
		url = createDB(t)
	}
	ctx := t.Context()
	db, err := postgres.Open(ctx, url, postgres.Options{}) // no 1-minute bound: migrations rebuild the index
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if corpus == nil {
		var err error
		if corpus, err = storetest.NewSearchCorpus(ctx, db, 500, 2000, 25); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := bulkLoad(ctx, url, corpus, n); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %d messages in %v", n, time.Since(start).Round(time.Second))
		if meta != "" {
			if err := corpus.Save(meta, n); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		t.Logf("reusing %d messages in %s", n, url)
	}
	svc := search.New(db, db, []byte("bench"))
	corpus.LatencyReport(t, func(ctx context.Context, u fechatter.User, q string, recent bool) (int, error) {
		p, err := svc.Search(ctx, u, search.Request{Q: q, Recent: recent, Limit: 20})
		return len(p.Hits), err
	}, storetest.BenchRounds())
	if os.Getenv("FECHATTER_SEARCH_BENCH_EXPLAIN") != "" {
		explain(t, url, corpus)
	}
}

// keptDB returns the URL of a database that outlives the test; fresh drops and recreates it.
func keptDB(t *testing.T, name string, fresh bool) string {
	ctx := t.Context()
	conn, err := connectAdmin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists && fresh {
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			t.Fatal(err)
		}
	}
	if !exists || fresh {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
			t.Fatal(err)
		}
	}
	u, err := neturl.Parse(adminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// explain logs the plans of two typical searches.
func explain(t *testing.T, url string, c *storetest.SearchCorpus) {
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	u := c.Users[7]
	var chats []int64
	for _, ch := range c.Chats {
		if slices.Contains(ch.MemberIDs, u.ID) {
			chats = append(chats, ch.ID)
		}
	}
	for _, w := range []string{c.Vocab[5000], c.Vocab[30]} {
		q, args := postgres.SearchSQL(fechatter.MessageSearch{UserID: u.ID, ChatIDs: chats, Limit: 21,
			Text: fechatter.TextQuery{Prefix: w}})
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("EXPLAIN %s:\n%s", w, strings.Join(lines, "\n"))
	}
}

// bulkLoad copies messages in (the generated tsv column is computed as on insert), then
// derives their events and the chats' last seq.
func bulkLoad(ctx context.Context, url string, c *storetest.SearchCorpus, n int) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	seqs := make([]int64, len(c.Chats))
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		ci, sender, text, at := c.Message(i)
		seqs[ci]++
		row := []any{c.Chats[ci].ID, seqs[ci], sender, fmt.Sprintf("bulk-%d", i), text, at}
		i++
		return row, nil
	})
	cols := []string{"chat_id", "seq", "sender_id", "client_id", "text", "created_at"}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"messages"}, cols, src); err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT INTO events (chat_id, seq, kind, message_id, created_at) SELECT chat_id, seq, 'message', id, created_at FROM messages`,
		`UPDATE chats SET last_seq = s.m FROM (SELECT chat_id, max(seq) m FROM messages GROUP BY chat_id) s WHERE s.chat_id = chats.id`,
		`VACUUM ANALYZE messages`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}
