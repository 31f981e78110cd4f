// Package statstest is the conformance suite of GET /api/v1/admin/stats: the reduced mode
// (store and node) and the ClickHouse mode must both pass it. It drives a real node through
// REST and WebSocket, then checks the numbers equal what it did.
package statstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// Run runs the suite on a node that start boots (fresh data, one test each). mode is the
// Stats.Mode the node must answer with.
func Run(t *testing.T, mode string, start func(t *testing.T) *ft.Server) {
	s := start(t)
	w := script(t, s)
	t.Run("OnlyAdmins", func(t *testing.T) { onlyAdmins(t, s, w) })
	t.Run("Numbers", func(t *testing.T) { numbers(t, s, w, mode) })
	t.Run("Hourly", func(t *testing.T) { hourly(t, s, w) })
	t.Run("BadQueries", func(t *testing.T) { badQueries(t, s, w) })
	t.Run("OtherWorkspace", func(t *testing.T) { otherWorkspace(t, s) })
}

// world is what the script did.
type world struct {
	owner, admin, ann, ben ft.Account
	group, direct          fechatter.Chat
	conn                   *ft.Conn // the owner's socket, open until the test ends
}

const (
	groupMessages  = 6
	directMessages = 1
)

func script(t *testing.T, s *ft.Server) *world {
	w := &world{}
	ws := "stats-" + random()
	w.owner = s.Signup(t, "owner-"+random()+"@example.com", ws)
	var admin ft.Account
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": "admin-" + random() + "@example.com", "password": "correct horse battery", "fullname": "Admin",
		"invite": s.Invite(t, w.owner, fechatter.RoleAdmin)}, &admin)
	w.admin = admin
	w.ann = s.Signup(t, "ann-"+random()+"@example.com", ws)
	w.ben = s.Signup(t, "ben-"+random()+"@example.com", ws)
	w.group = s.CreateChat(t, w.owner, fechatter.ChatGroup, "general", w.admin.User.ID, w.ann.User.ID, w.ben.User.ID)
	w.direct = s.CreateChat(t, w.ann, fechatter.ChatDirect, "", w.ben.User.ID)

	w.conn = s.Dial(t, w.owner.AccessToken)
	w.conn.Ready()
	ann := s.Dial(t, w.ann.AccessToken)
	ann.Ready()
	admin2 := s.Dial(t, w.admin.AccessToken)
	admin2.Ready()
	send := func(c *ft.Conn, chat int64, text string) {
		t.Helper()
		ref := random()
		c.Send(map[string]any{"type": "send", "ref": ref, "chat_id": chat, "client_id": uuid(), "text": text})
		c.WaitFor(10*time.Second, func(e ft.Event) bool { return e.Type == "ack" && string(e.Ref) == `"`+ref+`"` })
	}
	for i := range 3 {
		send(w.conn, w.group.ID, fmt.Sprintf("owner %d", i))
	}
	send(ann, w.group.ID, "ann 1")
	send(ann, w.group.ID, "ann 2")
	send(admin2, w.group.ID, "admin 1")
	// A resend of a client_id stores nothing and counts nothing.
	id := uuid()
	path := fmt.Sprintf("/api/v1/chats/%d/messages", w.direct.ID)
	s.MustDo(t, http.StatusCreated, "POST", path, w.ben.AccessToken, map[string]any{"client_id": id, "text": "hi ann"}, nil)
	s.MustDo(t, http.StatusOK, "POST", path, w.ben.AccessToken, map[string]any{"client_id": id, "text": "hi ann"}, nil)
	// Deleting a message does not unsend it.
	var page struct {
		Messages []fechatter.Message `json:"messages"`
	}
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/messages", w.group.ID), w.ann.AccessToken, nil, &page)
	for _, m := range page.Messages {
		if m.SenderID == w.ann.User.ID {
			ann.Send(map[string]any{"type": "delete", "ref": "del", "chat_id": w.group.ID, "message_id": m.ID})
			if e := ann.WaitFor(10*time.Second, func(e ft.Event) bool { return string(e.Ref) == `"del"` }); e.Type != "ack" {
				t.Fatalf("delete: %+v", e)
			}
			break
		}
	}
	return w
}

func stats(t *testing.T, s *ft.Server, a ft.Account, query string) (int, fechatter.Stats, []byte) {
	t.Helper()
	var st fechatter.Stats
	code, raw := s.Do(t, "GET", "/api/v1/admin/stats"+query, a.AccessToken, nil, &st)
	return code, st, raw
}

func onlyAdmins(t *testing.T, s *ft.Server, w *world) {
	for _, a := range []ft.Account{w.ann, w.ben} {
		code, _, raw := stats(t, s, a, "")
		if code != http.StatusForbidden {
			t.Fatalf("a member got %d: %s", code, raw)
		}
	}
	if code, _, raw := stats(t, s, ft.Account{}, ""); code != http.StatusUnauthorized {
		t.Fatalf("no token got %d: %s", code, raw)
	}
	for _, a := range []ft.Account{w.owner, w.admin} {
		if code, _, raw := stats(t, s, a, ""); code != http.StatusOK {
			t.Fatalf("%s got %d: %s", a.User.Role, code, raw)
		}
	}
}

// window is a two-day window around now, by day.
func window(interval string) string {
	now := time.Now().UTC()
	v := url.Values{"from": {now.Add(-24 * time.Hour).Format(time.RFC3339)}, "to": {now.Add(time.Hour).Format(time.RFC3339)}, "interval": {interval}}
	return "?" + v.Encode()
}

func sum(pts []fechatter.StatsPoint) (n float64) {
	for _, p := range pts {
		n += p.V
	}
	return n
}

func numbers(t *testing.T, s *ft.Server, w *world, mode string) {
	var st fechatter.Stats
	ft.CheckFor(t, 30*time.Second, "stats totals of 7 messages and 4 active users", func() bool {
		code, got, _ := stats(t, s, w.owner, window("day"))
		st = got
		return code == http.StatusOK && st.Totals["messages"] == groupMessages+directMessages && st.Totals["active_users"] == 4
	})
	if st.Mode != mode || st.Interval != fechatter.IntervalDay {
		t.Fatalf("mode %q interval %q, want %q day", st.Mode, st.Interval, mode)
	}
	if n := len(st.Series["messages"]); n < 2 || n > 3 || len(st.Series["active_users"]) != n {
		t.Fatalf("a 25-hour window by day has %d message buckets and %d user buckets", n, len(st.Series["active_users"]))
	}
	if got := sum(st.Series["messages"]); got != 7 {
		t.Fatalf("messages series sums to %v, want 7: %+v", got, st.Series["messages"])
	}
	// The window reaches an hour past now, so after 23:00 UTC its last bucket is tomorrow's:
	// find today's by its time, not its place.
	midnight := time.Now().UTC().Truncate(24 * time.Hour)
	i := slices.IndexFunc(st.Series["active_users"], func(p fechatter.StatsPoint) bool { return p.T.Equal(midnight) })
	if i < 0 || st.Series["active_users"][i].V != 4 {
		t.Fatalf("today's active users: want 4 at %v in %+v", midnight, st.Series["active_users"])
	}
	want := []fechatter.ChatActivity{
		{ChatID: w.group.ID, Name: "general", Kind: "group", Messages: groupMessages},
		{ChatID: w.direct.ID, Kind: "direct", Messages: directMessages},
	}
	if fmt.Sprint(st.TopChats) != fmt.Sprint(want) {
		t.Fatalf("top chats %+v, want %+v", st.TopChats, want)
	}
	if st.ConnectionsNow < 1 {
		t.Fatalf("connections now = %d with the owner's socket open", st.ConnectionsNow)
	}
	if st.SendAckP99Ms == nil || *st.SendAckP99Ms <= 0 {
		t.Fatalf("send→ack p99 = %v after sends", st.SendAckP99Ms)
	}
}

func hourly(t *testing.T, s *ft.Server, w *world) {
	code, st, raw := stats(t, s, w.admin, window("hour"))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, raw)
	}
	if n := len(st.Series["messages"]); n < 25 || n > 26 {
		t.Fatalf("a 25-hour window by hour has %d buckets", n)
	}
	for i := 1; i < len(st.Series["messages"]); i++ {
		if d := st.Series["messages"][i].T.Sub(st.Series["messages"][i-1].T); d != time.Hour {
			t.Fatalf("buckets %d apart", d)
		}
	}
	if got := sum(st.Series["messages"]); got != 7 || st.Totals["messages"] != 7 {
		t.Fatalf("hourly messages sum to %v (total %v), want 7", got, st.Totals["messages"])
	}
}

func badQueries(t *testing.T, s *ft.Server, w *world) {
	for _, q := range []string{
		"?interval=week",
		"?from=2026-02-01&to=2026-01-01",
		"?from=yesterday",
		"?from=2024-01-01&to=2026-01-01",
		"?from=2026-01-01&to=2026-03-01&interval=hour",
	} {
		code, _, raw := stats(t, s, w.owner, q)
		if code != http.StatusBadRequest || !strings.Contains(string(raw), fechatter.EInvalid) {
			t.Errorf("%s: %d %s, want 400 invalid_input", q, code, raw)
		}
	}
}

func otherWorkspace(t *testing.T, s *ft.Server) {
	stranger := s.Signup(t, "stranger-"+random()+"@example.com", "elsewhere-"+random())
	code, st, raw := stats(t, s, stranger, window("day"))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, raw)
	}
	if st.Totals["messages"] != 0 || len(st.TopChats) != 0 {
		t.Fatalf("another workspace's owner sees %v and %v", st.Totals, st.TopChats)
	}
}

func random() string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func uuid() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
