package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// Every answer of the handler carries the document policy, whatever it is.
func TestPolicyHeadersOnEveryAnswer(t *testing.T) {
	h := newHandler(testFS())
	etag := get(t, h, "GET", "/", nil).Header().Get("ETag")
	for _, tt := range []struct {
		name, method, path string
		hdr                map[string]string
		status             int
	}{
		{"root", "GET", "/", nil, 200},
		{"spa route", "GET", "/c/42", nil, 200},
		{"asset", "GET", "/assets/index-abc1.js", nil, 200},
		{"not modified", "GET", "/", map[string]string{"If-None-Match": etag}, 304},
		{"missing", "GET", "/assets/gone.js", nil, 404},
		{"post", "POST", "/", nil, 405},
	} {
		rec := get(t, h, tt.method, tt.path, tt.hdr)
		if rec.Code != tt.status {
			t.Fatalf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
		}
		want := map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Frame-Options":         "DENY",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"Permissions-Policy":      permissionsPolicy,
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, got, v)
			}
		}
	}
	for _, directive := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(contentSecurityPolicy, directive) {
			t.Errorf("the policy lost %q", directive)
		}
	}
}

// The pages embedded in this binary need nothing the policy forbids: no inline script, no
// style element or attribute. (The Chromium e2e tests check the running client as a whole.)
func TestEmbeddedPagesHaveNoInlineCode(t *testing.T) {
	script := regexp.MustCompile(`(?i)<script\b[^>]*>`)
	inline := regexp.MustCompile(`(?i)<style\b|\sstyle=|\son[a-z]+=`)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has inline style or handler the policy refuses: %q", p, m)
		}
		for _, tag := range script.FindAll(b, -1) {
			if !strings.Contains(string(tag), " src=") {
				t.Errorf("%s has an inline script the policy refuses: %q", p, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
