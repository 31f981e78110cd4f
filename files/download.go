package files

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/blob"
)

// download answers GET /api/v1/files/{id}[/thumbnail] for the bearer of an access token or
// of a signed URL, if they may read the file now (membership is checked on every request;
// anything else is 404). Range, If-None-Match and If-Range work (http.ServeContent).
func (s *Service) download(thumb bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.serveFile(w, r, thumb); err != nil {
			s.m.downloads.WithLabelValues(fechatter.ErrorCode(err)).Inc()
			s.fail(w, r, err)
		}
	}
}

func (s *Service) serveFile(w http.ResponseWriter, r *http.Request, thumb bool) error {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var userID int64
	if q := r.URL.Query(); q.Has("s") {
		userID, err = s.verify(q, id, thumb)
	} else {
		var u fechatter.User
		u, err = s.bearer(ctx, r)
		userID = u.ID
	}
	if err != nil {
		return err
	}
	f, err := s.cfg.Store.FileForUser(ctx, id, userID)
	if err != nil {
		return err
	}
	key, etag := blobKey(f.SHA256), `"`+f.SHA256+`"`
	if thumb {
		if !f.Thumbnail {
			return fechatter.Errorf(fechatter.ENotFound, "file %d has no thumbnail", id)
		}
		key, etag = thumbKey(f.SHA256), `"`+f.SHA256+`-t"`
	}
	obj, err := s.cfg.Bucket.Open(r.Context(), key) // reading may outlast ctx: a large file streams
	if errors.Is(err, blob.ErrNotExist) {
		s.log.Warn("files: stored bytes missing", "file", id, "key", key)
		return fechatter.Errorf(fechatter.ENotFound, "file %d not found", id)
	}
	if err != nil {
		s.log.Error("files: open", "file", id, "err", err)
		return fechatter.Errorf(fechatter.EUnavailable, "file storage is unavailable; try again")
	}
	defer obj.Close()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(s.cfg.URLTTL.Seconds())))
	h.Set("ETag", etag)
	ct, disposition := servedType(f, thumb)
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	s.m.downloads.WithLabelValues("ok").Inc()
	sw := &statusWriter{ResponseWriter: w}
	http.ServeContent(sw, r, "", obj.ModTime, obj)
	if !thumb && startsDownload(r, sw.status) {
		s.track(fechatter.FileUsage(fechatter.UsageFileDownloaded, f, userID))
	}
	return nil
}

// startsDownload reports whether a GET of a file that was answered with status starts a
// download: its whole body, or a range from its first byte. Continuations of a range
// (a player seeking, a resumed download), 304 Not Modified and HEAD are not counted again.
func startsDownload(r *http.Request, status int) bool {
	if r.Method != http.MethodGet {
		return false
	}
	switch status {
	case http.StatusOK:
		return true
	case http.StatusPartialContent:
		return strings.HasPrefix(strings.TrimSpace(r.Header.Get("Range")), "bytes=0-")
	}
	return false
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// servedType is the Content-Type and disposition a file is served with: safe raster images
// inline with their type; anything else as an attachment, and never as HTML, XML or SVG
// (a browser could run script in them), which go out as application/octet-stream.
func servedType(f fechatter.File, thumb bool) (string, string) {
	switch {
	case thumb && f.ContentType == "image/jpeg":
		return "image/jpeg", "inline"
	case thumb:
		return "image/png", "inline"
	case Inline(f.ContentType):
		return f.ContentType, "inline"
	}
	ct := f.ContentType
	base, _, _ := strings.Cut(ct, ";")
	if strings.Contains(base, "html") || strings.Contains(base, "xml") || strings.Contains(base, "svg") || strings.Contains(base, "javascript") {
		ct = "application/octet-stream"
	}
	return ct, "attachment"
}

// links answers GET /api/v1/files/links?ids=1,2,3 (at most 100): signed URLs of the files
// the caller may read now, the others left out.
func (s *Service) links(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	user, err := s.bearer(ctx, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(raw) > 100 || raw[0] == "" {
		s.fail(w, r, fechatter.Errorf(fechatter.EInvalid, "query parameter \"ids\" must list 1 to 100 file ids"))
		return
	}
	type link struct {
		ID           int64  `json:"id"`
		URL          string `json:"url"`
		ThumbnailURL string `json:"thumbnail_url,omitempty"`
	}
	out := []link{}
	for _, v := range raw {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, fechatter.Errorf(fechatter.EInvalid, "query parameter \"ids\" must list 1 to 100 file ids"))
			return
		}
		f, err := s.cfg.Store.FileForUser(ctx, id, user.ID)
		if fechatter.ErrorCode(err) == fechatter.ENotFound {
			continue
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f = s.withURLs(f, user.ID)
		out = append(out, link{f.ID, f.URL, f.ThumbnailURL})
	}
	_, exp := s.SignedURL(0, false, 0)
	writeJSON(w, http.StatusOK, map[string]any{"links": out, "expires_at": exp})
}
