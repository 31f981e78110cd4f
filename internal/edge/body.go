package edge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
)

// Body is the edge's rule for request bodies: at most Limit bytes, complete before the
// connection's read deadline (the server's ReadTimeout), or the request is refused before any
// handler parses it.
type Body struct {
	Limit  int64 // bytes; a larger body gets 413 too_large
	Logger *slog.Logger
}

var errTooLarge = errors.New("body over the limit")

// Buffer reads the request body under the rule and hands next a complete, in-memory body
// (Fiber's adaptor copies it anyway). A declared Content-Length over the limit is refused at
// once, unread; a body of unknown length (chunked) is read up to Limit+1 bytes. Refusals are
// JSON: 413 too_large, 408 timeout (the read deadline passed: the body stalled or dribbled),
// 400 invalid_input (it broke off), and the connection is closed after them.
//
// Every /api request goes through Buffer. A route that must stream a larger body (file
// uploads) opts out by being mounted on its own, more specific mux pattern with CORS and
// APIHeaders but not Buffer; it enforces its own limit while streaming and may extend its
// read deadline with http.ResponseController.
func (b Body) Buffer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > b.Limit {
			b.refuse(w, r, errTooLarge)
			return
		}
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := b.read(r)
		if err != nil {
			b.refuse(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// read reads the whole body, at most Limit+1 bytes of it.
func (b Body) read(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, b.Limit+1))
	switch {
	case err != nil:
		return nil, err
	case n > b.Limit:
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

func (b Body) refuse(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Connection", "close")
	attrs := []any{"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr}
	switch {
	case errors.Is(err, errTooLarge):
		b.Logger.Info("edge: request body over the limit", append(attrs, "limit", b.Limit, "content_length", r.ContentLength)...)
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge, fmt.Sprintf("request body is larger than %d bytes", b.Limit))
	case isTimeout(err):
		b.Logger.Warn("edge: request body not received in time", attrs...)
		writeError(w, http.StatusRequestTimeout, timedOut, "request body not received in time")
	default:
		b.Logger.Info("edge: request body broke off", append(attrs, "err", err)...)
		writeError(w, http.StatusBadRequest, invalid, "request body could not be read")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
