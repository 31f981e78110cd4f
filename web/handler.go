package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Cache policies. Files under /assets/ carry a content hash in their name (Vite), so they
// never change; everything else, index.html above all, is revalidated on every load.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// The document policy of every response, built for what the client does and no more: it runs
// only its own script files (no inline script: the early theme script is public/theme-init.js; no
// eval), styles only from its own CSS files (Vue's :style bindings go through the CSSOM, which
// CSP allows), shows images from itself or data:/blob: URLs, and talks only to its own origin
// (in CSP3 'self' also matches ws: and wss: of the same host, so /ws is covered; cross-origin
// clients on FECHATTER_ALLOWED_ORIGINS serve their own page). It cannot be framed, sends no
// Referer (invite links carry a secret in the URL) and asks for no device.
// The Chromium e2e tests fail on any violation of it.
const (
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
		"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
	permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
)

// setPolicy sets the document policy headers.
func setPolicy(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", permissionsPolicy)
}

// file is one embedded file, read once, with its gzip form when that is smaller.
type file struct {
	name  string
	body  []byte
	gzip  []byte
	ctype string
	etag  string // of body; the gzip form's is etag with a -gz suffix
}

// Handler serves the client: existing files as they are, any other path that does not look
// like a file (no extension, not under /assets/) as index.html so client-side routes load,
// and 404 for missing assets. Only GET and HEAD are allowed. Every answer carries the
// document policy (Content-Security-Policy and friends).
type Handler struct {
	files map[string]*file
}

// NewHandler returns a handler over the embedded client (or the fallback page).
func NewHandler() *Handler { return newHandler(files()) }

func newHandler(fsys fs.FS) *Handler {
	h := &Handler{files: map[string]*file{}}
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &file{name: p, body: body, ctype: mime.TypeByExtension(path.Ext(p)), etag: hex.EncodeToString(sum[:8])}
		if f.ctype == "" {
			f.ctype = http.DetectContentType(body)
		}
		if compressible(f.ctype) && len(body) > 1024 {
			f.gzip = gzipped(body)
		}
		h.files[p] = f
		return nil
	})
	return h
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setPolicy(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" || name == "index.html" {
		name = "index.html"
	}
	f, ok := h.files[name]
	if !ok {
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			http.NotFound(w, r)
			return
		}
		f, ok = h.files["index.html"]
		if !ok {
			http.NotFound(w, r)
			return
		}
	}
	hdr := w.Header()
	if strings.HasPrefix(f.name, "assets/") {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
	}
	hdr.Set("Content-Type", f.ctype)
	body, etag := f.body, f.etag
	if f.gzip != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = f.gzip, etag+"-gz"
		}
	}
	etag = `"` + etag + `"`
	hdr.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, etag) {
		hdr.Del("Content-Type")
		hdr.Del("Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// acceptsGzip reports whether Accept-Encoding lists gzip with a non-zero quality.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}
