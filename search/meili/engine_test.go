package meili_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/fechatter/fechatter/search/meilitest"
)

// engine is a Meilisearch the tests run against: the stand-in (search/meilitest) or a real
// server (FECHATTER_TEST_MEILI_URL, started in CI by .ci/meili.sh) behind a proxy that can
// fail requests on demand.
type engine struct {
	URL, Key string
	Real     bool
	fail     func(n int)
	client   meilisearch.ServiceManager // straight to the engine, never failing
}

// forEachEngine runs fn against the stand-in and against the real Meilisearch; without a
// reachable one the second subtest is skipped (a failure under CI=true).
func forEachEngine(t *testing.T, fn func(t *testing.T, e *engine)) {
	t.Run("standin", func(t *testing.T) { fn(t, standIn(t, "master-key")) })
	t.Run("meilisearch", func(t *testing.T) { fn(t, realEngine(t)) })
}

func standIn(t *testing.T, key string) *engine {
	srv := meilitest.Start(key)
	t.Cleanup(srv.Close)
	return &engine{URL: srv.URL, Key: key, fail: srv.FailNext, client: meilisearch.New(srv.URL, meilisearch.WithAPIKey(key))}
}

func realEngine(t *testing.T) *engine {
	target, key := ft.MeiliURL(), ft.MeiliKey()
	client := meilisearch.New(target, meilisearch.WithAPIKey(key))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := client.Version(ctx); err != nil { // needs the key, unlike /health
		ft.Unavailable(t, "Meilisearch at "+target, err)
	}
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Add(-1) >= 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"message":"made unavailable by the test","code":"internal","type":"internal","link":""}`))
			return
		}
		down.Store(0)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &engine{URL: srv.URL, Key: key, Real: true, fail: func(n int) { down.Store(int64(n)) }, client: client}
}

// index returns a fresh index uid, deleted when the test ends.
func (e *engine) index(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	uid := "fctest_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if task, err := e.client.DeleteIndex(ctx, uid); err == nil {
			_, _ = e.client.WaitForTask(ctx, task.TaskUID, 20*time.Millisecond)
		}
	})
	return uid
}

// open opens a fresh index with Fechatter's settings.
func (e *engine) open(t *testing.T) (*meili.Index, string) {
	t.Helper()
	uid := e.index(t)
	ix, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: e.Key, Index: uid})
	if err != nil {
		t.Fatalf("meili.Open: %v", err)
	}
	return ix, uid
}

// text returns the text of document id of index uid, if it is there.
func (e *engine) text(t *testing.T, uid string, id int64) (string, bool) {
	t.Helper()
	var d struct {
		Text string `json:"text"`
	}
	err := e.client.Index(uid).GetDocument(t.Context(), strconv.FormatInt(id, 10), nil, &d)
	if err != nil {
		return "", false
	}
	return d.Text, true
}

// count returns the number of documents of index uid.
func (e *engine) count(t *testing.T, uid string) int64 {
	t.Helper()
	var res meilisearch.DocumentsResult
	if err := e.client.Index(uid).GetDocuments(t.Context(), &meilisearch.DocumentsQuery{Limit: 1}, &res); err != nil {
		t.Fatalf("get documents: %v", err)
	}
	return res.Total
}
