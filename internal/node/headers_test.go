package node_test

import (
	"net/http"
	"strings"
	"testing"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// The web client is served under its document policy on every path, and API answers are
// JSON, never sniffed, never stored.
func TestSecurityHeaders(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	ann := s.Signup(t, "ann@example.com", "acme")
	for _, path := range []string{"/", "/c/42", "/index.html"} {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("Permissions-Policy") == "" {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, h)
		}
	}
	for _, tt := range []struct {
		method, path, token string
		status              int
	}{
		{"GET", "/api/v1/me", ann.AccessToken, 200},
		{"GET", "/api/v1/me", "", 401},
		{"GET", "/api/v1/nowhere", ann.AccessToken, 404},
		{"POST", "/api/v1/auth/login", "", 400},
	} {
		req, _ := http.NewRequest(tt.method, s.URL+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != tt.status || !strings.HasPrefix(h.Get("Content-Type"), "application/json") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s %s: %d %v", tt.method, tt.path, resp.StatusCode, h)
		}
	}
	// a 204 has no body and claims no type
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/auth/logout", strings.NewReader(`{"refresh_token":"`+ann.RefreshToken+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Content-Type") != "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("logout: %d %v", resp.StatusCode, resp.Header)
	}
}
