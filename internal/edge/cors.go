package edge

import (
	"net/http"
	"strconv"
	"time"
)

// CORS policy for the API. Auth is a bearer header, never a cookie, so credentials are not
// allowed; Retry-After is exposed so a browser client can honour 429 and 503.
const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	corsHeaders = "Authorization, Content-Type"
	corsExpose  = "Retry-After"
	corsMaxAge  = 10 * time.Minute
)

// CORS answers preflights and marks responses readable by an allowed origin. A preflight
// (OPTIONS with Access-Control-Request-Method) never reaches next: 204 with the policy for an
// allowed origin, 403 with the error envelope for any other. Other requests go on to next
// unchanged; only an allowed origin gets Access-Control-Allow-Origin, so the browser hides the
// answer from anyone else. Every response varies by Origin.
func CORS(origins Origins, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		allowed := origins.Allowed(origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if !allowed {
				writeError(w, http.StatusForbidden, forbidden, "origin not allowed")
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", corsHeaders)
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(corsMaxAge.Seconds())))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExpose)
		}
		next.ServeHTTP(w, r)
	})
}
