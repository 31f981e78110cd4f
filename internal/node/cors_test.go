package node_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

var corsOrigins = []string{"localhost:5173", "https://app.example.com/"} // the slash is dropped

// cors sends a request with an Origin and returns the answer's status and headers.
func cors(t *testing.T, s *ft.Server, method, path, origin, token string, hdr map[string]string) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// FECHATTER_ALLOWED_ORIGINS governs CORS on /api: preflights and answers for an allowed origin
// carry the policy; any other origin gets no CORS header at all.
func TestCORSFollowsAllowedOrigins(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.AllowedOrigins = corsOrigins }})
	ann := s.Signup(t, "ann@example.com", "acme")
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}

	for _, origin := range []string{"http://localhost:5173", "https://app.example.com"} {
		status, h := cors(t, s, "OPTIONS", "/api/v1/chats", origin, "", preflight)
		if status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != origin ||
			h.Get("Access-Control-Allow-Methods") == "" || h.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type" ||
			h.Get("Access-Control-Max-Age") == "" || h.Get("Vary") != "Origin" || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("preflight from %s: %d %v", origin, status, h)
		}
		status, h = cors(t, s, "GET", "/api/v1/me", origin, ann.AccessToken, nil)
		if status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Expose-Headers") != "Retry-After" {
			t.Fatalf("GET from %s: %d %v", origin, status, h)
		}
	}
	for _, origin := range []string{"https://evil.example", "http://app.example.com", "null"} {
		status, h := cors(t, s, "OPTIONS", "/api/v1/chats", origin, "", preflight)
		if status != http.StatusForbidden || hasCORS(h) {
			t.Fatalf("preflight from %s: %d %v", origin, status, h)
		}
		status, h = cors(t, s, "GET", "/api/v1/me", origin, ann.AccessToken, nil)
		if status != http.StatusOK || hasCORS(h) || h.Get("Vary") != "Origin" {
			t.Fatalf("GET from %s: %d %v", origin, status, h)
		}
	}
	// an EventSource on another origin reads /events the same way
	status, h := cors(t, s, "GET", "/events?access_token="+ann.AccessToken, "http://localhost:5173", "", nil)
	if status != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Fatalf("/events from an allowed origin: %d %v", status, h)
	}
	if _, h = cors(t, s, "GET", "/events?access_token="+ann.AccessToken, "https://evil.example", "", nil); hasCORS(h) {
		t.Fatalf("/events answered CORS to a foreign origin: %v", h)
	}

	// the edge's own refusals are readable by an allowed origin too
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+"/api/v1/chats", strings.NewReader(strings.Repeat(" ", 70<<10)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "http://localhost:5173")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Fatalf("413 to an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
}

func hasCORS(h http.Header) bool {
	for k := range h {
		if len(k) > 12 && k[:12] == "Access-Contr" {
			return true
		}
	}
	return false
}

// One list, one rule: the WebSocket handshake admits exactly the origins CORS allows (plus
// same-origin, which needs no CORS).
func TestWebSocketAndCORSAgreeOnOrigins(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.AllowedOrigins = append([]string{"*.dev.example.com"}, corsOrigins...) }})
	for _, origin := range []string{
		"http://localhost:5173", "https://localhost:5173", "http://localhost:5174", "https://app.example.com",
		"http://app.example.com", "https://a.dev.example.com", "https://dev.example.com", "https://evil.example",
	} {
		_, h := cors(t, s, "GET", "/healthz", origin, "", nil) // not /api: no CORS there
		if hasCORS(h) {
			t.Fatalf("/healthz answered CORS for %s", origin)
		}
		_, h = cors(t, s, "GET", "/api/v1/me", origin, "", nil)
		byCORS := h.Get("Access-Control-Allow-Origin") == origin
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		c, resp, err := websocket.Dial(ctx, s.WSURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		cancel()
		byWS := err == nil
		if c != nil {
			c.CloseNow()
		}
		if byWS != byCORS {
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			t.Errorf("origin %s: WebSocket admits it %v (status %d), CORS %v", origin, byWS, status, byCORS)
		}
	}
}
