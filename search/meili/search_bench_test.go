//go:build searchbench

package meili_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/fechatter/fechatter/store/sqlite"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchLatency measures Meilisearch on the corpus the SQLite benchmark keeps (run that
// first with FECHATTER_SEARCH_BENCH_DIR): it copies the store's messages into the index
// searchbench_<N> of the real engine (once; the index is kept and reused) and runs the same
// queries through search.Service, the store answering membership and names. Run:
//
//	FECHATTER_SEARCH_BENCH_DIR=/work/bench-data go test -tags searchbench -run TestSearchLatency -v -timeout 120m ./search/meili/
func TestSearchLatency(t *testing.T) {
	dir := os.Getenv("FECHATTER_SEARCH_BENCH_DIR")
	if dir == "" {
		t.Skip("FECHATTER_SEARCH_BENCH_DIR names the directory of the SQLite benchmark's corpus")
	}
	n := 1_000_000
	if v := os.Getenv("FECHATTER_SEARCH_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	corpus, ok, err := storetest.LoadSearchCorpus(fmt.Sprintf("%s/sqlite-%d.json", dir, n), n)
	if err != nil || !ok {
		t.Fatalf("no SQLite corpus of %d messages in %s (%v)", n, dir, err)
	}
	ctx := t.Context()
	db, err := sqlite.Open(ctx, fmt.Sprintf("%s/sqlite-%d.db", dir, n), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections() // goleak
	client := meilisearch.New(ft.MeiliURL(), meilisearch.WithAPIKey(ft.MeiliKey()), meilisearch.WithCustomClient(hc))
	if _, err := client.Version(ctx); err != nil {
		ft.Unavailable(t, "Meilisearch at "+ft.MeiliURL(), err)
	}
	uid := fmt.Sprintf("searchbench_%d", n)
	ix, err := meili.Open(ctx, meili.Config{URL: ft.MeiliURL(), Key: ft.MeiliKey(), Index: uid, TaskWait: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	stats, err := client.Index(uid).GetStats(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.NumberOfDocuments != int64(n) {
		start := time.Now()
		if err := load(ctx, db, ix); err != nil {
			t.Fatal(err)
		}
		t.Logf("indexed %d messages in %v", n, time.Since(start).Round(time.Second))
	} else {
		t.Logf("reusing the index %s (%d documents)", uid, n)
	}
	svc := search.New(db, ix, []byte("bench"))
	corpus.LatencyReport(t, func(ctx context.Context, u fechatter.User, q string, recent bool) (int, error) {
		p, err := svc.Search(ctx, u, search.Request{Q: q, Recent: recent, Limit: 20})
		return len(p.Hits), err
	}, storetest.BenchRounds())
}

// load copies every message into the index, 50,000 per task.
func load(ctx context.Context, db *sqlite.DB, ix *meili.Index) error {
	var after int64
	for {
		var batch []fechatter.Message
		for len(batch) < 50_000 {
			msgs, _, err := db.ScanMessages(ctx, after, 5000)
			if err != nil {
				return err
			}
			if len(msgs) == 0 {
				break
			}
			batch = append(batch, msgs...)
			after = msgs[len(msgs)-1].ID
		}
		if len(batch) == 0 {
			return nil
		}
		if err := ix.Put(ctx, batch, nil); err != nil {
			return err
		}
	}
}
