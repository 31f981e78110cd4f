package meili_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/fechatter/fechatter/search/meilitest"
	"github.com/fechatter/fechatter/search/searchtest"
	"github.com/fechatter/fechatter/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestAdapter runs the search conformance suite over the Meilisearch adapter, against the
// stand-in and the real engine; Sync rebuilds the index from the store.
func TestAdapter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		searchtest.Run(t, func(t *testing.T) searchtest.Harness {
			db := openStore(t)
			ix, _ := e.open(t)
			return searchtest.Harness{Store: db, Backend: ix, Sync: func(t *testing.T) {
				batch := 2 // several batches on the stand-in; fewer tasks to wait for on the real engine
				if e.Real {
					batch = 100
				}
				if _, err := meili.Reindex(t.Context(), meili.ReindexConfig{Store: db, Index: ix, Batch: batch}); err != nil {
					t.Fatalf("Reindex: %v", err)
				}
			}}
		})
	})
}

func TestOpenAppliesSettingsAndNeedsTheKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) {
		_, uid := e.open(t)
		// A second node opening the same index: no error, settings reapplied.
		if _, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: e.Key, Index: uid}); err != nil {
			t.Fatalf("second Open: %v", err)
		}
		if _, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: "wrong", Index: uid}); err == nil {
			t.Fatal("Open with a wrong key succeeded")
		}
		// Transient unavailability is retried by the client.
		e.fail(2)
		if _, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: e.Key, Index: uid}); err != nil {
			t.Fatalf("Open through two 503s: %v", err)
		}
		seps, err := e.client.Index(uid).GetSeparatorTokens(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(seps, "<") || !slices.Contains(seps, "🙂") {
			t.Fatalf("separator tokens %d, without < or 🙂", len(seps))
		}
	})
}

// flaky fails its first n writes after ok of them, to interrupt a reindex.
type flaky struct {
	w      meili.Writer
	ok, n  int
	writes int
}

func (f *flaky) Put(ctx context.Context, msgs []fechatter.Message, del []int64) error {
	f.writes++
	if f.writes > f.ok && f.n > 0 {
		f.n--
		return errors.New("injected failure")
	}
	return f.w.Put(ctx, msgs, del)
}

func TestReindexResumes(t *testing.T) { forEachEngine(t, testReindexResumes) }

func testReindexResumes(t *testing.T, e *engine) {
	db := openStore(t)
	ix, uid := e.open(t)
	ctx := t.Context()
	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := db.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: u.WorkspaceID, CreatorID: u.ID, Kind: fechatter.ChatGroup})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 10 {
		ev, _, err := db.Send(ctx, fechatter.SendParams{ChatID: c.ID, SenderID: u.ID, ClientID: string(rune('a' + i)), Text: "reindex me"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.Message.ID)
	}
	if _, err := db.Delete(ctx, fechatter.DeleteParams{ChatID: c.ID, MessageID: ids[9], ActorID: u.ID}); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "reindex.json")
	w := &flaky{w: ix, ok: 2, n: 1}
	done, err := meili.Reindex(ctx, meili.ReindexConfig{Store: db, Index: w, Checkpoint: cp, Batch: 3})
	if err == nil || done != 6 {
		t.Fatalf("interrupted reindex: done %d, err %v; want 6 and an error", done, err)
	}
	var bar progressBuffer
	done, err = meili.Reindex(ctx, meili.ReindexConfig{Store: db, Index: w, Checkpoint: cp, Batch: 3, Progress: &bar})
	if err != nil || done != 10 {
		t.Fatalf("resumed reindex: done %d, err %v; want 10 in all", done, err)
	}
	if w.writes != 5 { // 2 good + 1 failed, then 2 more (messages 7-9, 10)
		t.Fatalf("%d writes; the resumed run did not start at the checkpoint", w.writes)
	}
	if n := e.count(t, uid); n != 9 {
		t.Fatalf("%d documents, want 9 (the tombstone is not indexed)", n)
	}
	if !bar.contains("100%") {
		t.Fatalf("progress output %q has no 100%%", bar.s)
	}
}

type progressBuffer struct{ s string }

func (p *progressBuffer) Write(b []byte) (int, error) { p.s += string(b); return len(b), nil }
func (p *progressBuffer) contains(sub string) bool    { return strings.Contains(p.s, sub) }

// TestTokenizerModel checks the stand-in's model of Meilisearch's default tokenizer against
// the real engine: on an index without Fechatter's separator tokens, the characters of kept
// stay inside a word ("alpha<beta" is one word) and those of split separate words. With
// Fechatter's settings every one of them separates (searchtest's Tokenizer case).
func TestTokenizerModel(t *testing.T) {
	const kept = "$<=>^|~\u00a0→€©™°🙂\u200d"
	const split = "+`×≠-.@#!?:;/\\(){}[]'\"&*%,_"
	forEachEngine(t, func(t *testing.T, e *engine) {
		ctx := t.Context()
		uid := e.index(t)
		wait := func(task *meilisearch.TaskInfo, err error) {
			t.Helper()
			if err == nil {
				_, err = e.client.WaitForTask(ctx, task.TaskUID, 20*time.Millisecond)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		wait(e.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: "id"}))
		wait(e.client.Index(uid).UpdateSettings(ctx, &meilisearch.Settings{SearchableAttributes: []string{"text"}}))
		chars := []rune(kept + split)
		docs := make([]map[string]any, len(chars))
		for i, r := range chars {
			docs[i] = map[string]any{"id": i, "text": "alpha" + string(r) + "beta"}
		}
		pk := "id"
		wait(e.client.Index(uid).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk}))
		res, err := e.client.Index(uid).Search(ctx, "beta ", &meilisearch.SearchRequest{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var hits []struct {
			ID int `json:"id"`
		}
		if err := res.Hits.DecodeInto(&hits); err != nil {
			t.Fatal(err)
		}
		found := map[int]bool{}
		for _, h := range hits {
			found[h.ID] = true
		}
		for i, r := range chars {
			if want := i >= len([]rune(kept)); found[i] != want {
				t.Errorf("%q (%U): splits words = %v, want %v", r, r, found[i], want)
			}
		}
	})
}

// fechatterKeyActions are the API key actions docs/search.md tells operators to give
// Fechatter instead of the master key.
var fechatterKeyActions = []string{"search", "documents.add", "documents.delete", "indexes.create", "indexes.get",
	"settings.update", "settings.get", "tasks.get", "version", "stats.get"}

// TestLeastPrivilegeKey runs Open, Put and a search with a key holding only
// fechatterKeyActions on the one index (the real engine only: the stand-in has one key).
func TestLeastPrivilegeKey(t *testing.T) {
	e := realEngine(t)
	uid := e.index(t)
	body, _ := json.Marshal(map[string]any{"description": "fechatter test " + uid, "actions": fechatterKeyActions,
		"indexes": []string{uid}, "expiresAt": nil})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ft.MeiliURL()+"/keys", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.Key)
	req.Header.Set("Content-Type", "application/json")
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var key struct{ Key, UID string }
	if err := json.NewDecoder(resp.Body).Decode(&key); err != nil || key.Key == "" {
		t.Fatalf("create key: %s, %v", resp.Status, err)
	}
	t.Cleanup(func() { _, _ = e.client.DeleteKey(context.Background(), key.UID) })
	ix, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: key.Key, Index: uid})
	if err != nil {
		t.Fatalf("Open with the least-privilege key: %v", err)
	}
	m := fechatter.Message{ID: 1, ChatID: 2, Seq: 1, SenderID: 3, Text: "least privilege", CreatedAt: time.Now()}
	if err := ix.Put(t.Context(), []fechatter.Message{m}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ix.Put(t.Context(), nil, []int64{1}); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.SearchMessages(t.Context(), fechatter.MessageSearch{ChatIDs: []int64{2}, Limit: 5,
		Text: fechatter.TextQuery{Words: []string{"least"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := meili.Open(t.Context(), meili.Config{URL: e.URL, Key: key.Key, Index: uid + "_other"}); err == nil {
		t.Fatal("the key opened another index")
	}
}

// TestRequestsAskForNoCompression: Meilisearch writes a compressed response in two segments,
// which a kept-alive connection delivers one delayed ACK (40 ms) late (client.go).
func TestRequestsAskForNoCompression(t *testing.T) {
	standin := meilitest.Start("k")
	defer standin.Close()
	target, err := url.Parse(standin.URL)
	if err != nil {
		t.Fatal(err)
	}
	var seen, compressed atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Header.Get("Accept-Encoding") != "" {
			compressed.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ix, err := meili.Open(t.Context(), meili.Config{URL: srv.URL, Key: "k", Index: "nocompression"})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	msg := fechatter.Message{ID: 1, ChatID: 1, Seq: 1, SenderID: 1, ClientID: "c", Text: "hello", CreatedAt: time.Now()}
	if err := ix.Put(t.Context(), []fechatter.Message{msg}, nil); err != nil {
		t.Fatal(err)
	}
	hits, err := ix.SearchMessages(t.Context(), fechatter.MessageSearch{UserID: 1, ChatIDs: []int64{1}, Limit: 5,
		Text: fechatter.TextQuery{Words: []string{"hello"}}})
	if err != nil || len(hits) != 1 {
		t.Fatalf("search: %d hits, %v", len(hits), err)
	}
	if seen.Load() < 3 || compressed.Load() != 0 {
		t.Fatalf("%d of %d requests asked for a compressed response", compressed.Load(), seen.Load())
	}
}
