// Package openaitest is a local stand-in for an OpenAI-compatible Chat Completions server,
// for tests: no model runs on the test machines and no weights are downloaded. It speaks the
// documented streaming format (https://platform.openai.com/docs/api-reference/chat-streaming):
// text/event-stream of "data: {chat.completion.chunk}" events, a final usage chunk when
// stream_options.include_usage is set, "data: [DONE]", and JSON error bodies
// {"error":{"message","type","code"}} with their HTTP status (429 with Retry-After). A script
// decides each reply: tokens, pacing, errors, truncation, a hold until released.
package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one message of a received request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Received is a request as the stand-in got it.
type Received struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
	MaxTokens     int       `json:"max_tokens"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Header http.Header `json:"-"`
}

// Prompt is every message's content, joined: what the model was shown.
func (r Received) Prompt() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// Reply is what the stand-in answers one request with.
type Reply struct {
	Status     int    // non-zero and not 200: an error reply with this status
	RetryAfter string // Retry-After header of an error reply
	Message    string // error message (default: the status text)

	Tokens    []string      // content deltas, one chunk each
	Delay     time.Duration // before each chunk
	Hold      <-chan struct{}
	HoldAfter int    // with Hold: chunks sent before waiting for it to close
	Truncate  bool   // close the stream after the tokens, without finish_reason or [DONE]
	StreamErr string // after the tokens, an error object instead of [DONE]
	NoUsage   bool   // send no usage chunk
}

// Tokens splits text into word-sized deltas, spaces kept, as models stream them.
func Tokens(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexByte(text[1:], ' ')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}

// Server is a running stand-in.
type Server struct {
	URL string // base URL, ending in /v1
	srv *httptest.Server

	mu     sync.Mutex
	reqs   []Received
	script func(n int, r Received) Reply
}

// New starts a stand-in that answers the n-th request (from 0) with script(n, request);
// nil answers every request with "Hello from the stand-in.". It stops with the test.
func New(t testing.TB, script func(n int, r Received) Reply) *Server {
	s := Start(script)
	t.Cleanup(s.Close)
	return s
}

// Start is New without a test: the caller closes it.
func Start(script func(n int, r Received) Reply) *Server {
	if script == nil {
		script = func(int, Received) Reply { return Reply{Tokens: Tokens("Hello from the stand-in.")} }
	}
	s := &Server{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.URL = s.srv.URL + "/v1"
	return s
}

// Close stops the server, ending open streams.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// SetScript replaces the script.
func (s *Server) SetScript(script func(n int, r Received) Reply) {
	s.mu.Lock()
	s.script = script
	s.mu.Unlock()
}

// Requests returns what the stand-in received so far.
func (s *Server) Requests() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.reqs...)
}

func writeError(w http.ResponseWriter, status int, retryAfter, msg, typ string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "", "unknown path "+r.URL.Path, "invalid_request_error")
		return
	}
	var req Received
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 || req.Model == "" {
		writeError(w, http.StatusBadRequest, "", "model and messages are required", "invalid_request_error")
		return
	}
	req.Header = r.Header.Clone()
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, req)
	script := s.script
	s.mu.Unlock()
	rep := script(n, req)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		typ := "server_error"
		if rep.Status == http.StatusTooManyRequests {
			typ = "rate_limit_exceeded"
		}
		writeError(w, rep.Status, rep.RetryAfter, rep.Message, typ)
		return
	}
	if !req.Stream {
		writeError(w, http.StatusBadRequest, "", "the stand-in streams only", "invalid_request_error")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	id := fmt.Sprintf("chatcmpl-standin-%d", n)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	if !send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
		return
	}
	for i, tok := range rep.Tokens {
		if rep.Hold != nil && i == rep.HoldAfter {
			select {
			case <-rep.Hold:
			case <-r.Context().Done():
				return
			}
		}
		if rep.Delay > 0 {
			select {
			case <-time.After(rep.Delay):
			case <-r.Context().Done():
				return
			}
		}
		if !send(chunk(map[string]any{"content": tok}, nil)) {
			return
		}
	}
	if rep.Truncate {
		return
	}
	if rep.StreamErr != "" {
		send(map[string]any{"error": map[string]any{"message": rep.StreamErr, "type": "server_error"}})
		return
	}
	send(chunk(map[string]any{}, "stop"))
	if req.StreamOptions.IncludeUsage && !rep.NoUsage {
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "model": req.Model, "choices": []any{},
			"usage": map[string]int{"prompt_tokens": len(req.Prompt()) / 4, "completion_tokens": len(rep.Tokens), "total_tokens": len(req.Prompt())/4 + len(rep.Tokens)}})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if flusher != nil {
		flusher.Flush()
	}
}
