package edge

import "net/http"

// APIHeaders sets what every API response carries, whoever writes it: nosniff, so no answer is
// ever rendered as something else, and no-store, since answers hold tokens and private
// messages. Fiber sets Content-Type: application/json on each of its answers and the edge on
// its own; a 204 has no body and so no Content-Type (Fiber's adaptor would label it
// text/plain).
func APIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(noContentType{w}, r)
	})
}

// noContentType drops the Content-Type of a 204 answer.
type noContentType struct{ http.ResponseWriter }

func (w noContentType) WriteHeader(status int) {
	if status == http.StatusNoContent {
		w.Header().Del("Content-Type")
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (w noContentType) Unwrap() http.ResponseWriter { return w.ResponseWriter }
