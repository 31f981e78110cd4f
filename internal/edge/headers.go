package edge

import "net/http"

// APIHeaders sets what every API response carries, whoever writes it: nosniff, so no answer is
// ever rendered as something else, and no-store, since answers hold tokens and private
// messages. Fiber sets Content-Type: application/json on each of its answers and the edge on
// its own.
func APIHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
