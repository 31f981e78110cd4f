// Package meilitest is a stand-in for a Meilisearch server, for fast unit tests. It answers
// the documented HTTP API that github.com/meilisearch/meilisearch-go calls and Fechatter uses
// — health, indexes, settings, documents (add, get, delete by id, delete all), asynchronous
// tasks, and search with q, filter, sort, offset and limit — with Meilisearch's error
// envelope, and can be made unavailable on demand (FailNext). It tokenizes like Meilisearch
// 1.21 does, including its separatorTokens setting (tokens.go). search/meili runs the same
// tests against it and against a real Meilisearch (CI starts one with .ci/meili.sh).
//
// What it does not do: typo tolerance, ranking beyond "all words, then proximity, then
// insertion order", hard separators (a phrase does not match across ". " or ", " in
// Meilisearch), facets, vectors, tenant tokens, the "last" matching strategy (treated as
// "all"). A real server is the final word.
//
// It imports the standard library, golang.org/x/text (diacritic folding) and search (the word
// rule). Production code must never import it.
package meilitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running stand-in.
type Server struct {
	URL string
	Key string // required as "Authorization: Bearer <Key>" when not empty

	srv     *httptest.Server
	mu      sync.Mutex
	indexes map[string]*index
	tasks   []*task
	queue   chan *task
	down    int // requests still to answer with 503
	closed  chan struct{}
	wg      sync.WaitGroup
}

type index struct {
	uid        string
	primaryKey string
	created    time.Time
	settings   map[string]any
	docs       map[string]map[string]any
	order      map[string]int // insertion sequence, Meilisearch's final tie-break
	next       int
}

type task struct {
	UID        int64          `json:"uid"`
	IndexUID   string         `json:"indexUid"`
	Status     string         `json:"status"`
	Type       string         `json:"type"`
	Error      *apiError      `json:"error,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
	EnqueuedAt time.Time      `json:"enqueuedAt"`
	StartedAt  *time.Time     `json:"startedAt,omitempty"`
	FinishedAt *time.Time     `json:"finishedAt,omitempty"`
	apply      func(*Server) *apiError
}

type apiError struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Link    string `json:"link"`
	status  int
}

func errorf(status int, code, format string, args ...any) *apiError {
	typ := "invalid_request"
	if status >= 500 {
		typ = "internal"
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		typ = "auth"
	}
	return &apiError{Message: fmt.Sprintf(format, args...), Code: code, Type: typ,
		Link: "https://docs.meilisearch.com/errors#" + code, status: status}
}

// Start runs a stand-in requiring key (empty: no auth) until Close.
func Start(key string) *Server {
	s := &Server{Key: key, indexes: map[string]*index{}, queue: make(chan *task, 1<<16), closed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	s.wg.Add(1)
	go s.work()
	return s
}

// Close stops the server and its task worker.
func (s *Server) Close() {
	s.srv.Close()
	close(s.closed)
	s.wg.Wait()
}

// FailNext makes the next n requests fail with 503, as an unreachable or overloaded server.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.down = n
	s.mu.Unlock()
}

// Documents returns a copy of the documents of an index, by primary key.
func (s *Server) Documents(uid string) map[string]map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[string]any{}
	if ix := s.indexes[uid]; ix != nil {
		for k, d := range ix.docs {
			out[k] = d
		}
	}
	return out
}

// work applies enqueued tasks in order, as Meilisearch does.
func (s *Server) work() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closed:
			return
		case t := <-s.queue:
			s.mu.Lock()
			now := time.Now().UTC()
			t.StartedAt = &now
			if err := t.apply(s); err != nil {
				t.Status, t.Error = "failed", err
			} else {
				t.Status = "succeeded"
			}
			done := time.Now().UTC()
			t.FinishedAt = &done
			s.mu.Unlock()
		}
	}
}

// enqueue records a task; the caller holds s.mu.
func (s *Server) enqueue(w http.ResponseWriter, uid, typ string, apply func(*Server) *apiError) {
	t := &task{UID: int64(len(s.tasks)), IndexUID: uid, Status: "enqueued", Type: typ,
		EnqueuedAt: time.Now().UTC(), apply: apply}
	s.tasks = append(s.tasks, t)
	s.queue <- t
	writeJSON(w, http.StatusAccepted, map[string]any{"taskUid": t.UID, "indexUid": uid, "status": "enqueued",
		"type": typ, "enqueuedAt": t.EnqueuedAt})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down > 0 {
		s.down--
		writeError(w, errorf(http.StatusServiceUnavailable, "internal", "stand-in made unavailable by the test"))
		return
	}
	if s.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.Key {
		if r.Header.Get("Authorization") == "" {
			writeError(w, errorf(http.StatusUnauthorized, "missing_authorization_header", "The Authorization header is missing."))
		} else {
			writeError(w, errorf(http.StatusForbidden, "invalid_api_key", "The provided API key is invalid."))
		}
		return
	}
	if e := s.route(w, r); e != nil {
		writeError(w, e)
	}
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) *apiError {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "GET" && r.URL.Path == "/health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "available"})
	case r.Method == "GET" && len(parts) == 2 && parts[0] == "tasks":
		id, err := strconv.Atoi(parts[1])
		if err != nil || id < 0 || id >= len(s.tasks) {
			return errorf(http.StatusNotFound, "task_not_found", "Task `%s` not found.", parts[1])
		}
		writeJSON(w, http.StatusOK, s.tasks[id])
	case r.Method == "POST" && r.URL.Path == "/indexes":
		return s.createIndex(w, r)
	case len(parts) >= 2 && parts[0] == "indexes":
		return s.indexRoute(w, r, parts[1], strings.Join(parts[2:], "/"))
	default:
		return errorf(http.StatusNotFound, "not_found", "Stand-in has no route %s %s.", r.Method, r.URL.Path)
	}
	return nil
}

func (s *Server) createIndex(w http.ResponseWriter, r *http.Request) *apiError {
	var body struct {
		UID        string `json:"uid"`
		PrimaryKey string `json:"primaryKey"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.UID == "" {
		return errorf(http.StatusBadRequest, "bad_request", "Invalid index creation request.")
	}
	s.enqueue(w, body.UID, "indexCreation", func(s *Server) *apiError {
		if s.indexes[body.UID] != nil {
			return errorf(http.StatusConflict, "index_already_exists", "Index `%s` already exists.", body.UID)
		}
		s.indexes[body.UID] = newIndex(body.UID, body.PrimaryKey)
		return nil
	})
	return nil
}

func newIndex(uid, pk string) *index {
	return &index{uid: uid, primaryKey: pk, created: time.Now().UTC(), settings: map[string]any{},
		docs: map[string]map[string]any{}, order: map[string]int{}}
}

func (s *Server) indexRoute(w http.ResponseWriter, r *http.Request, uid, rest string) *apiError {
	ix := s.indexes[uid]
	route := r.Method + " " + rest
	if ix == nil && route != "POST documents" && route != "PUT documents" {
		return errorf(http.StatusNotFound, "index_not_found", "Index `%s` not found.", uid)
	}
	switch route {
	case "GET ":
		writeJSON(w, http.StatusOK, map[string]any{"uid": uid, "primaryKey": ix.primaryKey,
			"createdAt": ix.created, "updatedAt": ix.created})
	case "DELETE ":
		s.enqueue(w, uid, "indexDeletion", func(s *Server) *apiError { delete(s.indexes, uid); return nil })
	case "GET settings":
		writeJSON(w, http.StatusOK, ix.settings)
	case "PATCH settings":
		var set map[string]any
		if err := json.NewDecoder(r.Body).Decode(&set); err != nil {
			return errorf(http.StatusBadRequest, "bad_request", "Invalid settings: %v", err)
		}
		s.enqueue(w, uid, "settingsUpdate", func(s *Server) *apiError {
			for k, v := range set {
				s.indexes[uid].settings[k] = v
			}
			return nil
		})
	case "GET documents", "POST documents/fetch":
		var docs []map[string]any
		for _, d := range ix.docs {
			docs = append(docs, d)
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": docs, "offset": 0, "limit": len(docs), "total": len(docs)})
	case "POST documents", "PUT documents":
		return s.addDocuments(w, r, uid, r.Method == "PUT")
	case "POST documents/delete-batch":
		var ids []any
		if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
			return errorf(http.StatusBadRequest, "bad_request", "Invalid document ids: %v", err)
		}
		s.enqueue(w, uid, "documentDeletion", func(s *Server) *apiError {
			for _, id := range ids {
				delete(s.indexes[uid].docs, fmt.Sprint(id))
			}
			return nil
		})
	case "DELETE documents":
		s.enqueue(w, uid, "documentDeletion", func(s *Server) *apiError {
			s.indexes[uid].docs = map[string]map[string]any{}
			return nil
		})
	case "POST search":
		return s.search(w, r, ix)
	default:
		if name, ok := strings.CutPrefix(rest, "settings/"); ok && r.Method == "GET" {
			writeJSON(w, http.StatusOK, ix.settings[camel(name)])
			return nil
		}
		if id, ok := strings.CutPrefix(rest, "documents/"); ok && r.Method == "GET" {
			if d := ix.docs[id]; d != nil {
				writeJSON(w, http.StatusOK, d)
				return nil
			}
			return errorf(http.StatusNotFound, "document_not_found", "Document `%s` not found.", id)
		}
		return errorf(http.StatusNotFound, "not_found", "Stand-in has no route %s /indexes/%s/%s.", r.Method, uid, rest)
	}
	return nil
}

func (s *Server) addDocuments(w http.ResponseWriter, r *http.Request, uid string, merge bool) *apiError {
	var docs []map[string]any
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&docs); err != nil {
		return errorf(http.StatusBadRequest, "malformed_payload", "The documents payload is not a JSON array: %v", err)
	}
	pk := r.URL.Query().Get("primaryKey")
	s.enqueue(w, uid, "documentAdditionOrUpdate", func(s *Server) *apiError {
		ix := s.indexes[uid]
		if ix == nil {
			ix = newIndex(uid, pk)
			s.indexes[uid] = ix
		}
		if ix.primaryKey == "" {
			ix.primaryKey = pk
		}
		for _, d := range docs {
			id, ok := d[ix.primaryKey]
			if !ok {
				return errorf(http.StatusBadRequest, "missing_document_id", "Document doesn't have a `%s` attribute.", ix.primaryKey)
			}
			key := fmt.Sprint(id)
			if old := ix.docs[key]; merge && old != nil {
				for k, v := range d {
					old[k] = v
				}
				continue
			}
			if _, ok := ix.order[key]; !ok {
				ix.order[key] = ix.next
				ix.next++
			}
			ix.docs[key] = d
		}
		return nil
	})
	return nil
}

// camel turns a settings route ("separator-tokens") into its settings key ("separatorTokens").
func camel(kebab string) string {
	parts := strings.Split(kebab, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
