package analytics_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// Client events are checked against the allow-list, attributed to the caller (whatever the
// body says), land in ClickHouse; erasing a user removes their events and nobody else's.
func TestClientEventsAndErasure(t *testing.T) {
	url := ft.ClickHouseURL(t)
	s, ch := startWithClickHouse(t, url)
	ws := "client-" + randomName()
	owner := s.Signup(t, "owner-"+randomName()+"@example.com", ws)
	ann := s.Signup(t, "ann-"+randomName()+"@example.com", ws)

	post := func(a ft.Account, body any) (int, string) {
		code, raw := s.Do(t, "POST", "/api/v1/analytics/events", a.AccessToken, body, nil)
		return code, string(raw)
	}
	code, raw := post(ann, map[string]any{"events": []map[string]any{
		{"kind": "app_start", "page": "login", "props": map[string]string{"version": "1.2.3", "platform": "linux"}},
		{"kind": "navigation", "page": "chat", "user_id": owner.User.ID, "workspace_id": 999},
		{"kind": "page_timing", "page": "chat", "duration_ms": 123.5},
		{"kind": "client_error", "page": "chat", "code": "TypeError"},
	}})
	if code != http.StatusAccepted {
		t.Fatalf("posting events: %d %s", code, raw)
	}
	for name, body := range map[string]any{
		"server kind": map[string]any{"events": []map[string]any{{"kind": "login"}}},
		"a URL":       map[string]any{"events": []map[string]any{{"kind": "navigation", "page": "/chats/1?q=secret"}}},
		"none":        map[string]any{"events": []map[string]any{}},
		"not JSON":    []byte("{"),
	} {
		if code, raw := post(ann, body); code != http.StatusBadRequest || !strings.Contains(raw, fechatter.EInvalid) {
			t.Errorf("%s: %d %s, want 400 invalid_input", name, code, raw)
		}
	}
	if code, _ := post(ft.Account{}, map[string]any{"events": []map[string]any{{"kind": "app_start"}}}); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}

	q := fmt.Sprintf("SELECT count() FROM %%s.events WHERE source = 'web' AND user_id = %d AND workspace_id = %d", ann.User.ID, ann.User.WorkspaceID)
	ft.CheckFor(t, 20*time.Second, "ann's 4 client events in clickhouse", func() bool { return count(t, ch, q) == 4 })
	if n := count(t, ch, "SELECT count() FROM %s.events WHERE kind = 'page_timing' AND duration_ms = 123.5 AND page = 'chat'"); n != 1 {
		t.Fatalf("page_timing not stored as posted (%d)", n)
	}
	if n := count(t, ch, "SELECT count() FROM %s.events WHERE kind = 'app_start' AND props['version'] = '1.2.3'"); n != 1 {
		t.Fatalf("app_start props not stored (%d)", n)
	}
	var stats fechatter.Stats
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/admin/stats", owner.AccessToken, nil, &stats)
	if stats.ClientErrors["chat"] != 1 {
		t.Fatalf("client errors by page = %v, want chat: 1", stats.ClientErrors)
	}

	// Only admins erase, only users of their workspace.
	path := fmt.Sprintf("/api/v1/admin/users/%d/analytics", ann.User.ID)
	s.MustDo(t, http.StatusForbidden, "DELETE", fmt.Sprintf("/api/v1/admin/users/%d/analytics", owner.User.ID), ann.AccessToken, nil, nil)
	stranger := s.Signup(t, "x-"+randomName()+"@example.com", "other-"+randomName())
	s.MustDo(t, http.StatusNotFound, "DELETE", path, stranger.AccessToken, nil, nil)
	// Erasure removes what has arrived (docs/analytics.md): wait for ann's refused DELETE above
	// to arrive as her forbidden error event, or it could land after the erasure. (Her earlier
	// invalid_input errors are no sign of it: they can arrive first.)
	ft.CheckFor(t, 20*time.Second, "ann's refused erasure in clickhouse", func() bool {
		return count(t, ch, fmt.Sprintf("SELECT count() FROM %%s.events WHERE kind = 'error' AND code = '%s' AND user_id = %d",
			fechatter.EForbidden, ann.User.ID)) > 0
	})
	ownerEvents := count(t, ch, fmt.Sprintf("SELECT count() FROM %%s.events WHERE user_id = %d", owner.User.ID))
	s.MustDo(t, http.StatusNoContent, "DELETE", path, owner.AccessToken, nil, nil)
	if n := count(t, ch, fmt.Sprintf("SELECT count() FROM %%s.events WHERE user_id = %d", ann.User.ID)); n != 0 {
		t.Fatalf("%d events of an erased user remain", n)
	}
	if n := count(t, ch, fmt.Sprintf("SELECT count() FROM %%s.events WHERE user_id = %d", owner.User.ID)); n < ownerEvents {
		t.Fatalf("erasing ann removed the owner's events (%d, had %d)", n, ownerEvents)
	}
}
