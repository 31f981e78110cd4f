package node_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/rest"
)

// rawRequest writes head (request line and headers, without the blank line) and then body
// parts one by one, pausing between them, on a fresh TCP connection, and returns the answer
// and how long it took. The client never finishes a body the server cut off.
func rawRequest(t *testing.T, addr, head string, pause time.Duration, parts ...string) (*http.Response, []byte, time.Duration) {
	t.Helper()
	start := time.Now() // before the server can start its clock (on accepting)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, head+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	go func() { // dribble; stops at the first failed write (the server closed)
		for _, p := range parts {
			time.Sleep(pause) // pacing the client, not waiting for a condition
			if _, err := io.WriteString(c, p); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, body, time.Since(start)
}

// envelopeCode checks a JSON error envelope and that its status is the one REST gives the code.
func envelopeCode(t *testing.T, resp *http.Response, body []byte) string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, body %q", ct, body)
	}
	var env struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("not an error envelope: %q (%v)", body, err)
	}
	if want := rest.StatusOf(env.Error.Code); resp.StatusCode != want {
		t.Fatalf("status %d for code %s, REST maps it to %d", resp.StatusCode, env.Error.Code, want)
	}
	return env.Error.Code
}

// A body that stalls or dribbles is cut off after ReadTimeout (with a JSON 408 timeout on
// /api), while a WebSocket and an SSE stream opened before it stay open past that timeout.
func TestSlowBodyIsCutOffButSocketsLive(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.ReadTimeout = timeout }})
	ann := s.Signup(t, "ann@example.com", "acme")
	ben := s.Signup(t, "ben@example.com", "acme")
	chat := s.CreateChat(t, ann, "direct", "", ben.User.ID)
	ws := s.Dial(t, ann.AccessToken)
	ws.Ready()
	sse := s.OpenSSE(t, ft.SSEOptions{Token: ben.AccessToken})
	if sse.Resp.StatusCode != http.StatusOK {
		t.Fatalf("SSE status %d", sse.Resp.StatusCode)
	}
	sse.WaitFor(ft.Wait, "ready")
	addr := strings.TrimPrefix(s.URL, "http://")

	head := "POST /api/v1/auth/login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json"
	var dribble []string // a byte every 50ms: 2s in all, always progressing, never done in time
	for range 40 {
		dribble = append(dribble, "1\r\n \r\n")
	}
	for _, tt := range []struct {
		name, head string
		parts      []string
	}{
		{"halts", head + "\r\nContent-Length: 100", []string{`{"email":`}},
		{"dribbles chunked", head + "\r\nTransfer-Encoding: chunked", dribble},
	} {
		resp, body, took := rawRequest(t, addr, tt.head, 50*time.Millisecond, tt.parts...)
		if resp.StatusCode != http.StatusRequestTimeout || envelopeCode(t, resp, body) != "timeout" {
			t.Fatalf("%s: status %d %s", tt.name, resp.StatusCode, body)
		}
		if took < timeout || took > timeout+2*time.Second {
			t.Fatalf("%s: cut off after %v, want about %v", tt.name, took, timeout)
		}
		if !resp.Close {
			t.Errorf("%s: the connection stays open after a cut-off body", tt.name)
		}
	}

	// off /api the same deadline frees the connection (net/http would otherwise wait for ever
	// to discard the body before answering)
	for _, path := range []string{"/", "/healthz"} {
		resp, _, took := rawRequest(t, addr, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100", 0, "a")
		if took > timeout+2*time.Second || !resp.Close {
			t.Fatalf("POST %s with a stalled body: %d after %v, close=%v", path, resp.StatusCode, took, resp.Close)
		}
	}

	// both sockets outlived the timeout: a send goes through the WebSocket and reaches SSE
	ws.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": "7b0d6c4e-8a55-4f7e-9a43-0b4f3c7e2d11", "text": "still here"})
	ws.WaitFor(ft.Wait, ft.Type("ack"))
	if e := sse.WaitFor(ft.Wait, "message"); e.Data.Message.Text != "still here" {
		t.Fatalf("SSE got %s", e.Data.Raw)
	}
	// and a body that arrives in time is served
	resp, body, _ := rawRequest(t, addr, head+"\r\nContent-Length: 2", 0, "{}")
	if resp.StatusCode != http.StatusBadRequest || envelopeCode(t, resp, body) != "invalid_input" {
		t.Fatalf("a prompt body: status %d %s", resp.StatusCode, body)
	}
}

// Bodies over the API limit get a JSON 413 before anything parses them, whether their length
// is declared (refused at once, unread) or not (chunked, cut at the limit). Up to the limit
// they reach the API.
func TestBodyOverLimitIs413JSON(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	addr := strings.TrimPrefix(s.URL, "http://")
	const limit = 64 << 10
	junk := func(n int) []byte { // valid JSON of n bytes that the API rejects as a login
		return []byte(`{"x":"` + strings.Repeat("a", n-8) + `"}`)
	}

	post := func(body io.Reader, length int64) (*http.Response, []byte) {
		req, err := http.NewRequest("POST", s.URL+"/api/v1/auth/login", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, raw
	}
	for _, tt := range []struct {
		name   string
		size   int
		length int64 // -1: chunked
		code   string
	}{
		{"at the limit", limit, limit, "invalid_input"},
		{"declared over", limit + 1, limit + 1, "too_large"},
		{"chunked at the limit", limit, -1, "invalid_input"},
		{"chunked over", limit + 1, -1, "too_large"},
		{"chunked 2 MiB", 2 << 20, -1, "too_large"}, // was a plain-text 500
	} {
		body := io.MultiReader(bytes.NewReader(junk(tt.size))) // hides the length from net/http
		resp, raw := post(body, tt.length)
		if got := envelopeCode(t, resp, raw); got != tt.code {
			t.Fatalf("%s: %d %s, want code %s", tt.name, resp.StatusCode, raw, tt.code)
		}
	}

	// a declared length over the limit is refused before a byte of the body is sent
	resp, raw, took := rawRequest(t, addr, "POST /api/v1/chats HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000", 0)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || envelopeCode(t, resp, raw) != "too_large" || took > 5*time.Second {
		t.Fatalf("declared 10 MB: %d %s after %v", resp.StatusCode, raw, took)
	}
}

// A configured limit replaces the default, at the edge and in Fiber alike.
func TestBodyLimitIsConfigurable(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.APIBodyLimit = 1000 }})
	big := fmt.Sprintf(`{"email":"%s@example.com","password":"correct horse battery","fullname":"A","workspace":"acme"}`, strings.Repeat("a", 1000))
	if status, raw := s.Do(t, "POST", "/api/v1/auth/signup", "", []byte(big), nil); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d: %s", status, raw)
	}
	s.Signup(t, "small@example.com", "acme")
}
