package files

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter"
)

// fail answers err in the REST error envelope; internal errors are logged, not shown.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := fechatter.ErrorCode(err)
	if code == fechatter.EInternal {
		s.log.Error("files: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	env.Error.Code, env.Error.Message = code, fechatter.ErrorMessage(err)
	h := w.Header()
	for _, k := range []string{"Content-Disposition", "Content-Security-Policy", "ETag", "Last-Modified", "Cache-Control"} {
		h.Del(k)
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(fechatter.HTTPStatus(code))
	_ = json.NewEncoder(w).Encode(env)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bearer authenticates the request's Authorization header.
func (s *Service) bearer(ctx context.Context, r *http.Request) (fechatter.User, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 8 || !strings.EqualFold(h[:7], "Bearer ") {
		return fechatter.User{}, fechatter.Errorf(fechatter.EUnauthorized, "missing bearer token")
	}
	return s.cfg.Auth.User(ctx, strings.TrimSpace(h[7:]))
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fechatter.Errorf(fechatter.EInvalid, "path parameter %q must be a positive integer", name)
	}
	return id, nil
}

var errTooLarge = errors.New("files: over the upload limit")
