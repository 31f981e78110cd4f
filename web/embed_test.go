package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var bigJS = strings.Repeat("console.log('fechatter');\n", 200)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":            {Data: []byte(`<!doctype html><div id="app"></div>`)},
		"favicon.svg":           {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
		"assets/index-abc1.js":  {Data: []byte(bigJS)},
		"assets/index-abc1.css": {Data: []byte(`body{}`)},
	}
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	h := newHandler(testFS())
	tests := []struct {
		name, method, path string
		status             int
		cache, ctype, body string
	}{
		{"root is index", "GET", "/", 200, cacheRevalidate, "text/html; charset=utf-8", `<div id="app">`},
		{"index by name", "GET", "/index.html", 200, cacheRevalidate, "text/html; charset=utf-8", `<div id="app">`},
		{"spa route", "GET", "/c/42", 200, cacheRevalidate, "text/html; charset=utf-8", `<div id="app">`},
		{"hashed asset", "GET", "/assets/index-abc1.css", 200, cacheImmutable, "text/css; charset=utf-8", "body{}"},
		{"top-level file", "GET", "/favicon.svg", 200, cacheRevalidate, "image/svg+xml", "<svg"},
		{"missing asset", "GET", "/assets/gone-123.js", 404, "", "", ""},
		{"missing file", "GET", "/robots.txt", 404, "", "", ""},
		{"dot-dot stays inside", "GET", "/../../etc/hosts.txt", 404, "", "", ""},
		{"head", "HEAD", "/", 200, cacheRevalidate, "text/html; charset=utf-8", ""},
		{"post", "POST", "/", 405, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, tt.method, tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %q does not contain %q", rec.Body.String(), tt.body)
			}
			if tt.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD wrote a body")
			}
		})
	}
}

func TestHandlerGzipAndETag(t *testing.T) {
	h := newHandler(testFS())
	rec := get(t, h, "GET", "/assets/index-abc1.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", rec.Header())
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", rec.Header().Get("Vary"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != bigJS {
		t.Fatalf("gzip body does not round-trip")
	}
	etag := rec.Header().Get("ETag")
	again := get(t, h, "GET", "/assets/index-abc1.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("conditional GET: %d, %d bytes", again.Code, again.Body.Len())
	}

	identity := get(t, h, "GET", "/assets/index-abc1.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if identity.Header().Get("Content-Encoding") != "" || identity.Body.String() != bigJS {
		t.Fatalf("gzip;q=0 still got gzip")
	}
	if identity.Header().Get("ETag") == etag {
		t.Errorf("identity and gzip share an ETag")
	}
}

// TestEmbedded checks the tree compiled into this binary: the built client when web/static/dist
// exists, else the fallback page that says how to build it.
func TestEmbedded(t *testing.T) {
	rec := get(t, NewHandler(), "GET", "/", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	want := "make run"
	if Built() {
		want = `<div id="app">`
	}
	if !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("index (built=%v) lacks %q:\n%s", Built(), want, rec.Body.String())
	}
}
