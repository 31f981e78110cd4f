package node

import (
	"encoding/json"
	"net/http"

	"github.com/fechatter/fechatter/files"
	"github.com/fechatter/fechatter/internal/edge"
	"github.com/fechatter/fechatter/rest"
	"github.com/fechatter/fechatter/web"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// routeMux is the node's http.ServeMux; it remembers the patterns registered on it, so
// Routes can list what the edge serves (api/openapi_test.go checks them against the OpenAPI
// document).
type routeMux struct {
	http.ServeMux
	patterns []string
}

func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.ServeMux.Handle(pattern, h)
	m.patterns = append(m.patterns, pattern)
}

func (m *routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Routes lists the patterns of the node's net/http mux, in the order registered: routes
// served by net/http itself ("GET /ws", "POST /api/v1/chats/{id}/files", ...) and the
// subtrees it hands on ("/api/" to the Fiber app, "/" to the web client).
func (n *Node) Routes() []string {
	m, ok := n.srv.Handler.(*routeMux)
	if !ok {
		return nil
	}
	return append([]string(nil), m.patterns...)
}

func (n *Node) routes(api *rest.Server, origins edge.Origins) http.Handler {
	mux := &routeMux{}
	mux.Handle("GET /ws", n.Hub) // the handshake checks origins.Patterns() itself
	mux.Handle("GET /events", edge.CORS(origins, http.HandlerFunc(n.Hub.ServeSSE)))
	// Every /api/ request passes the edge's rules before Fiber parses anything: API headers,
	// CORS, then the body rule (size cap; a body late for the ReadTimeout gets 408). A route
	// that streams a larger body (POST /api/v1/chats/{id}/files) is mounted on its own, more
	// specific pattern as edge.CORS(origins, h), without body.Buffer (and without
	// APIHeaders: the files handler sets nosniff and its own Cache-Control), and enforces its
	// own limit.
	body := edge.Body{Limit: n.cfg.APIBodyLimit, Logger: n.log}
	mux.Handle("/api/", edge.APIHeaders(edge.CORS(origins, body.Buffer(adaptor.FiberApp(api.App())))))
	// Uploads stream and downloads are served from storage: net/http, outside the body cap.
	fh := edge.CORS(origins, n.Files.Handler())
	for _, p := range append(files.Routes(), files.Subtree) {
		mux.Handle(p, fh)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", n.readyz)
	if n.cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", n.metricsHandler())
	} else {
		mux.Handle("/metrics", http.NotFoundHandler()) // served on MetricsAddr only
	}
	mux.Handle("/", web.NewHandler()) // the web client, with SPA fallback
	return mux
}

// readyz reports whether this node should get traffic: not draining, store and NATS up. It
// also says whether presence is down to this node's own view ("presence": "degraded", still
// 200), how late the node is (lateness_ms) and, past its overload budget, "load":
// "degraded" — still 200: an overloaded node pushes back by itself (refused sends and
// connects), while taking it out of the balancer would move its load onto its peers and, on the
// last node, turn everyone away.
func (n *Node) readyz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]any{}
	status := http.StatusOK
	for check, ok := range n.readiness(r.Context()) {
		switch {
		case ok && check != "node":
			checks[check] = "ok"
		case !ok && check == "node":
			checks[check], status = "draining", http.StatusServiceUnavailable
		case !ok:
			checks[check], status = "down", http.StatusServiceUnavailable
		}
	}
	late, budget := n.Hub.Lateness()
	checks["lateness_ms"] = late.Milliseconds()
	checks["load"] = "ok"
	if budget > 0 && late > budget {
		checks["load"] = "degraded"
	}
	checks["presence"] = "ok"
	if n.presenceDegraded() {
		checks["presence"] = "degraded" // still 200: chat works; who is online is this node's view
	}
	writeJSON(w, status, checks)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
