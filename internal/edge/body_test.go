package edge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// echo answers with the length of the body it got, as a handler behind the edge would parse it.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil || int64(len(b)) != r.ContentLength {
		http.Error(w, "bad body", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
})

func TestBufferCapsBodies(t *testing.T) {
	b := Body{Limit: 100, Logger: slog.New(slog.DiscardHandler)}
	h := b.Buffer(echo)
	tests := []struct {
		name   string
		body   io.Reader
		length int64 // -1: unknown (chunked)
		status int
	}{
		{"empty", http.NoBody, 0, 200},
		{"at the limit", strings.NewReader(strings.Repeat("x", 100)), 100, 200},
		{"declared over the limit", strings.NewReader(strings.Repeat("x", 101)), 101, 413},
		{"lies about a huge length", strings.NewReader("x"), 1 << 40, 413},
		{"chunked at the limit", strings.NewReader(strings.Repeat("x", 100)), -1, 200},
		{"chunked over the limit", strings.NewReader(strings.Repeat("x", 5000)), -1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/x", tt.body)
			req.ContentLength = tt.length
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status != 413 {
				return
			}
			var env struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != "too_large" {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Connection") != "close" {
				t.Fatalf("headers %v", rec.Header())
			}
		})
	}
}

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestBufferBrokenBodyIsInvalid(t *testing.T) {
	b := Body{Limit: 100, Logger: slog.New(slog.DiscardHandler)}
	req := httptest.NewRequest("POST", "/api/v1/x", io.MultiReader(bytes.NewReader([]byte("{")), brokenReader{}))
	req.ContentLength = 50
	rec := httptest.NewRecorder()
	b.Buffer(echo).ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"invalid_input"`) {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestAPIHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	APIHeaders(echo).ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/me", nil))
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", rec.Header())
	}
	rec = httptest.NewRecorder()
	APIHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8") // as Fiber's adaptor does
		w.WriteHeader(http.StatusNoContent)
	})).ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/auth/logout", nil))
	if rec.Code != http.StatusNoContent || rec.Header().Get("Content-Type") != "" {
		t.Fatalf("204: %d %v", rec.Code, rec.Header())
	}
}

// A body that stalls past the server's read deadline gets a JSON 408, not a hung goroutine.
func TestBufferStalledBodyIs408(t *testing.T) {
	b := Body{Limit: 100, Logger: slog.New(slog.DiscardHandler)}
	srv := httptest.NewUnstartedServer(b.Buffer(echo))
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(raw), `"code":"timeout"`) || !resp.Close {
		t.Fatalf("status %d close=%v: %s", resp.StatusCode, resp.Close, raw)
	}
}
