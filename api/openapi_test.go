package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/api"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/rest"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// load reads the OpenAPI document as served (JSON) and checks it against OpenAPI 3.1.
func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

// operation names a route the way both sides can: method and path with anonymous parameters.
var fiberParam, docParam = regexp.MustCompile(`:[a-z_]+`), regexp.MustCompile(`\{[a-z_]+\}`)

// Every route the REST app registers, and every /api/v1 route the node's net/http mux serves
// itself (the file endpoints), is in the document, and the document has no operation neither
// serves. A new endpoint fails here until it is documented in api/openapi.yaml.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc := load(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+docParam.ReplaceAllString(path, "{}")] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range rest.New(rest.Config{}).App().GetRoutes(true) {
		if r.Method == http.MethodHead || !strings.HasPrefix(r.Path, "/api/v1/") {
			continue // Fiber adds HEAD to every GET
		}
		registered[r.Method+" "+fiberParam.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{}")] = true
	}
	if len(registered) < 40 {
		t.Fatalf("only %d routes found: is the route listing still right?", len(registered))
	}
	edge := 0
	for _, p := range ft.Start(t, ft.Options{}).Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue // a subtree handed on ("/api/" to Fiber, "/" to the web client), or not the API
		}
		op := method + " " + docParam.ReplaceAllString(strings.TrimPrefix(path, "/api/v1"), "{}")
		if registered[op] {
			t.Errorf("route %s is registered on both the net/http mux and the Fiber app", op)
		}
		registered[op] = true
		edge++
	}
	if edge == 0 {
		t.Fatal("no net/http route under /api/v1/ found: is the node's route listing still right?")
	}
	for _, op := range sorted(registered) {
		if !documented[op] {
			t.Errorf("route %s is not in api/openapi.yaml", op)
		}
	}
	for _, op := range sorted(documented) {
		if !registered[op] {
			t.Errorf("api/openapi.yaml documents %s, which neither the Fiber app nor the node's mux serves", op)
		}
	}
}

// validator checks every /api/v1 request a test makes, and its answer, against the
// document (undocumented statuses included), and records which operations answered what.
type validator struct {
	t      *testing.T
	router routers.Router
	next   http.RoundTripper
	mu     sync.Mutex
	seen   map[string]map[int]bool // operationId → statuses
}

func newValidator(t *testing.T) *validator {
	doc := load(t)
	doc.Servers = nil // match paths without the /api/v1 prefix (stripped below)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &validator{t: t, router: router, next: &http.Transport{}, seen: map[string]map[int]bool{}}
}

func (v *validator) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return v.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	probe := req.Clone(context.Background())
	probe.URL = &url.URL{Path: strings.TrimPrefix(req.URL.Path, "/api/v1"), RawQuery: req.URL.RawQuery}
	probe.Body = io.NopCloser(bytes.NewReader(body))
	what := req.Method + " " + req.URL.RequestURI()
	route, params, err := v.router.FindRoute(probe)
	if err != nil {
		v.t.Errorf("%s: not in the document: %v", what, err)
		return v.next.RoundTrip(req)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(req.Context(), in)
	resp, err := v.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A request the document calls invalid must be one the server refuses with 400 (the
	// scenario sends some on purpose); one the server accepts means the document is wrong.
	if reqErr != nil && resp.StatusCode != http.StatusBadRequest {
		v.t.Errorf("%s: request does not match the document, yet got %d: %v", what, resp.StatusCode, reqErr)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: opts}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		v.t.Errorf("%s: answer %d does not match the document: %v\n%s", what, resp.StatusCode, err, raw)
	}
	v.mu.Lock()
	id := route.Operation.OperationID
	if v.seen[id] == nil {
		v.seen[id] = map[int]bool{}
	}
	v.seen[id][resp.StatusCode] = true
	v.mu.Unlock()
	return resp, nil
}

// Real answers of a running node match the document: a scenario calls every operation (the
// test fails for one it never got a success from) plus the usual refusals, and each request
// and answer is validated as it passes. The fechattertest helpers go through the validator
// too (http.DefaultClient is swapped for this test, which is why no test here is parallel).
func TestRealResponsesMatchOpenAPI(t *testing.T) {
	v := newValidator(t)
	saved := http.DefaultClient
	http.DefaultClient = &http.Client{Transport: v}
	t.Cleanup(func() { http.DefaultClient = saved; v.next.(*http.Transport).CloseIdleConnections() })

	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.Files.MaxUpload, c.Files.Quota = 4096, 6000 }})
	scenario(t, s)

	doc := load(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ok := false
			for status := range v.seen[op.OperationID] {
				ok = ok || status < 300
			}
			if !ok {
				t.Errorf("%s %s (%s) was never answered with a success: add it to the scenario", method, path, op.OperationID)
			}
		}
	}
	for _, status := range []int{400, 401, 403, 404, 409, 206, 413, 416} {
		found := false
		for _, st := range v.seen {
			found = found || st[status]
		}
		if !found {
			t.Errorf("no %d answer was validated", status)
		}
	}
}

func scenario(t *testing.T, s *ft.Server) {
	must := func(want int, method, path, token string, body, out any) {
		t.Helper()
		s.MustDo(t, want, method, path, token, body, out)
	}
	must(200, "GET", "/api/v1/openapi.json", "", nil, nil)
	must(200, "GET", "/api/v1/asyncapi.json", "", nil, nil)

	ann := s.Signup(t, "ann@example.com", "acme") // owner
	ben := s.Signup(t, "ben@example.com", "acme")
	cid := s.Signup(t, "cid@example.com", "acme")
	must(409, "POST", "/api/v1/auth/signup", "", map[string]string{"email": "ann@example.com", "password": "correct horse battery", "fullname": "A", "workspace": "x"}, nil)
	must(401, "GET", "/api/v1/me", "", nil, nil)
	must(200, "GET", "/api/v1/me", ann.AccessToken, nil, nil)

	var login ft.Account
	must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": "ben@example.com", "password": "correct horse battery"}, &login)
	must(401, "POST", "/api/v1/auth/login", "", map[string]string{"email": "ben@example.com", "password": "wrong horse battery"}, nil)
	var refreshed ft.Account
	must(200, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": login.RefreshToken}, &refreshed)
	must(204, "POST", "/api/v1/auth/logout", refreshed.AccessToken, map[string]string{"refresh_token": refreshed.RefreshToken}, nil)

	must(200, "GET", "/api/v1/workspace", ann.AccessToken, nil, nil)
	must(200, "PATCH", "/api/v1/workspace", ann.AccessToken, map[string]any{"members_can_invite": true}, nil)
	var inv struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	must(201, "POST", "/api/v1/invites", ann.AccessToken, map[string]any{"email": "dee@example.com", "max_uses": 1}, &inv)
	must(200, "POST", "/api/v1/auth/invite", "", map[string]string{"invite": inv.Token}, nil)
	must(400, "POST", "/api/v1/auth/invite", "", map[string]string{"invite": "nope"}, nil)
	must(200, "GET", "/api/v1/invites", ann.AccessToken, nil, nil)
	must(204, "DELETE", fmt.Sprintf("/api/v1/invites/%d", inv.ID), ann.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/users?q=e&limit=10", ann.AccessToken, nil, nil)

	general := s.CreateChat(t, ann, "channel", "general", ben.User.ID)
	must(201, "POST", "/api/v1/chats", ann.AccessToken, map[string]any{"kind": "direct", "member_ids": []int64{ben.User.ID}}, nil)
	must(200, "POST", "/api/v1/chats", ann.AccessToken, map[string]any{"kind": "direct", "member_ids": []int64{ben.User.ID}}, nil)
	must(400, "POST", "/api/v1/chats", ann.AccessToken, map[string]any{"kind": "room"}, nil)
	must(200, "GET", "/api/v1/channels?q=gen", cid.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/chats", ann.AccessToken, nil, nil)
	chat := fmt.Sprintf("/api/v1/chats/%d", general.ID)
	must(200, "GET", chat, ben.AccessToken, nil, nil)
	must(404, "GET", "/api/v1/chats/999999", ben.AccessToken, nil, nil)
	must(200, "PATCH", chat, ann.AccessToken, map[string]any{"topic": "news"}, nil)

	var sent struct{ Message struct{ ID, Seq int64 } }
	send := map[string]any{"client_id": "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": "hello <@" + fmt.Sprint(ben.User.ID) + "> world"}
	must(201, "POST", chat+"/messages", ann.AccessToken, send, &sent)
	must(200, "POST", chat+"/messages", ann.AccessToken, send, nil)
	root := sent.Message.ID
	must(201, "POST", chat+"/messages", ben.AccessToken, map[string]any{"client_id": "7f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": "a reply", "thread_id": root}, &sent)
	must(200, "GET", chat+"/messages?limit=10", ben.AccessToken, nil, nil)
	must(200, "GET", fmt.Sprintf("%s/messages?thread_id=%d", chat, root), ben.AccessToken, nil, nil)
	must(400, "GET", chat+"/messages?limit=0", ben.AccessToken, nil, nil)

	msg := fmt.Sprintf("%s/messages/%d", chat, root)
	must(200, "POST", msg+"/reactions", ben.AccessToken, map[string]string{"emoji": ":tada:"}, nil)
	must(200, "DELETE", msg+"/reactions?emoji="+url.QueryEscape("🎉"), ben.AccessToken, nil, nil)
	must(200, "PUT", fmt.Sprintf("%s/pins/%d", chat, root), ben.AccessToken, nil, nil)
	must(200, "GET", chat+"/pins", ben.AccessToken, nil, nil)
	must(200, "DELETE", fmt.Sprintf("%s/pins/%d", chat, root), ben.AccessToken, nil, nil)
	must(200, "GET", chat+"/presence", ben.AccessToken, nil, nil)
	must(200, "GET", chat+"/reads", ben.AccessToken, nil, nil)
	must(200, "POST", chat+"/read", ben.AccessToken, map[string]any{"seq": 1}, nil)
	fileScenario(t, s, general.ID, ann, ben, cid)

	thread := fmt.Sprintf("%s/threads/%d", chat, root)
	must(204, "PUT", thread+"/follow", ann.AccessToken, nil, nil)
	must(204, "POST", thread+"/read", ann.AccessToken, map[string]any{"seq": sent.Message.Seq}, nil)
	must(200, "GET", "/api/v1/me/threads", ann.AccessToken, nil, nil)
	must(204, "DELETE", thread+"/follow", ann.AccessToken, nil, nil)
	must(204, "PUT", fmt.Sprintf("/api/v1/me/saved/%d", root), ben.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/me/saved?limit=5", ben.AccessToken, nil, nil)
	must(204, "DELETE", fmt.Sprintf("/api/v1/me/saved/%d", root), ben.AccessToken, nil, nil)
	must(200, "PATCH", "/api/v1/me/preferences", ben.AccessToken, map[string]any{"notify": "all", "dnd_until": time.Now().UTC().Add(time.Hour)}, nil)
	must(200, "PATCH", "/api/v1/me/preferences", ben.AccessToken, map[string]any{"sound": false, "dnd_until": nil}, nil)
	must(200, "PATCH", chat+"/preferences", ben.AccessToken, map[string]any{"starred": true, "notify": "nothing"}, nil)
	must(200, "GET", "/api/v1/me/preferences", ben.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/chats", ben.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/search?q=hello", ben.AccessToken, nil, nil)
	must(400, "GET", "/api/v1/search?q=", ben.AccessToken, nil, nil)

	must(200, "POST", chat+"/members", ann.AccessToken, map[string]any{"user_ids": []int64{cid.User.ID}}, nil)
	member := fmt.Sprintf("%s/members/%d", chat, cid.User.ID)
	must(200, "PATCH", member, ann.AccessToken, map[string]string{"role": "admin"}, nil)
	must(204, "DELETE", member, ann.AccessToken, nil, nil)

	must(403, "GET", "/api/v1/admin/audit", ben.AccessToken, nil, nil)
	must(200, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", cid.User.ID), ann.AccessToken, map[string]any{"disabled": true}, nil)
	must(200, "POST", fmt.Sprintf("/api/v1/admin/chats/%d/archive", general.ID), ann.AccessToken, nil, nil)
	must(200, "POST", fmt.Sprintf("/api/v1/admin/chats/%d/unarchive", general.ID), ann.AccessToken, nil, nil)
	must(200, "DELETE", fmt.Sprintf("/api/v1/admin/chats/%d/messages/%d", general.ID, root), ann.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/admin/audit?limit=100", ann.AccessToken, nil, nil)
	must(202, "POST", "/api/v1/analytics/events", ben.AccessToken, map[string]any{"events": []map[string]any{
		{"kind": "page_timing", "page": "chat", "duration_ms": 120.5}, {"kind": "navigation", "page": "threads", "props": map[string]string{"from": "chat"}}}}, nil)
	must(200, "GET", "/api/v1/admin/stats?interval=hour&from="+time.Now().UTC().Add(-48*time.Hour).Format("2006-01-02"), ann.AccessToken, nil, nil)
	must(200, "GET", "/api/v1/admin/stats", ann.AccessToken, nil, nil)
	must(204, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d/analytics", cid.User.ID), ann.AccessToken, nil, nil)

	must(204, "POST", "/api/v1/me/password", ben.AccessToken, map[string]string{"current_password": "correct horse battery", "new_password": "correct horse battery 2"}, nil)
	must(204, "POST", "/api/v1/auth/logout-all", ann.AccessToken, nil, nil)
}

// The served documents are the YAML sources, as JSON.
func TestDocumentsAreServedAsJSON(t *testing.T) {
	for name, doc := range map[string][]byte{"openapi": api.OpenAPI(), "asyncapi": api.AsyncAPI()} {
		var v map[string]any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v["info"] == nil {
			t.Errorf("%s has no info", name)
		}
	}
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
