package edge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func corsHandler(t *testing.T) http.Handler {
	t.Helper()
	o, err := ParseOrigins([]string{"localhost:5173"})
	if err != nil {
		t.Fatal(err)
	}
	return CORS(o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot) // reached the API
	}))
}

func serve(h http.Handler, method, origin string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/api/v1/chats", nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var preflight = map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}

func TestCORSPreflight(t *testing.T) {
	h := corsHandler(t)
	rec := serve(h, "OPTIONS", "http://localhost:5173", preflight)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("allowed preflight: status %d", rec.Code)
	}
	want := map[string]string{
		"Access-Control-Allow-Origin":  "http://localhost:5173",
		"Access-Control-Allow-Methods": corsMethods,
		"Access-Control-Allow-Headers": "Authorization, Content-Type",
		"Access-Control-Max-Age":       "600",
		"Vary":                         "Origin",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if v := rec.Header().Get("Access-Control-Allow-Credentials"); v != "" {
		t.Errorf("Allow-Credentials = %q: auth is a bearer header, never cookies", v)
	}

	rec = serve(h, "OPTIONS", "https://evil.example", preflight)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("foreign preflight: status %d", rec.Code)
	}
	noCORS(t, rec)
	var env struct{ Error struct{ Code string } }
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Error.Code != "forbidden" {
		t.Fatalf("foreign preflight body %q: %v", rec.Body, err)
	}
}

func TestCORSActualRequest(t *testing.T) {
	h := corsHandler(t)
	rec := serve(h, "GET", "http://localhost:5173", nil)
	if rec.Code != http.StatusTeapot {
		t.Fatalf("status %d: the request must reach the API", rec.Code)
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:5173" ||
		rec.Header().Get("Access-Control-Expose-Headers") != "Retry-After" || rec.Header().Get("Vary") != "Origin" {
		t.Fatalf("allowed origin headers: %v", rec.Header())
	}
	for _, origin := range []string{"https://evil.example", ""} {
		rec = serve(h, "GET", origin, nil)
		if rec.Code != http.StatusTeapot {
			t.Fatalf("origin %q: status %d", origin, rec.Code)
		}
		noCORS(t, rec)
		if rec.Header().Get("Vary") != "Origin" {
			t.Errorf("origin %q: no Vary: Origin", origin)
		}
	}
	// OPTIONS without Access-Control-Request-Method is not a preflight: the API answers it
	if rec = serve(h, "OPTIONS", "http://localhost:5173", nil); rec.Code != http.StatusTeapot {
		t.Fatalf("plain OPTIONS: status %d", rec.Code)
	}
}

func noCORS(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	for k := range rec.Header() {
		if len(k) > 13 && k[:13] == "Access-Contro" {
			t.Errorf("a foreign origin got %s: %q", k, rec.Header().Get(k))
		}
	}
}
