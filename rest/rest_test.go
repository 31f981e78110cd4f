package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

var n atomic.Int64

func email(name string) string { return fmt.Sprintf("%s-%d@example.com", name, n.Add(1)) }

func errCode(t *testing.T, raw []byte) string {
	t.Helper()
	var env struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("not an error envelope: %s", raw)
	}
	return env.Error.Code
}

func TestSignupLoginRefreshLogout(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	addr := email("ann")
	a := s.Signup(t, "  "+strings.ToUpper(addr)+" ", "acme")
	if a.User.Email != addr || a.User.Role != fechatter.RoleOwner || a.ExpiresIn < 600 || a.ExpiresIn > 900 {
		t.Fatalf("signup = %+v", a)
	}
	b := s.Signup(t, email("ben"), "acme")
	if b.User.WorkspaceID != a.User.WorkspaceID || b.User.Role != fechatter.RoleMember {
		t.Fatalf("second signup did not join the workspace as member: %+v", b.User)
	}
	code, raw := s.Do(t, "POST", "/api/v1/auth/signup", "", map[string]string{
		"email": addr, "password": "another password", "fullname": "Dup", "workspace": "acme"}, nil)
	if code != http.StatusConflict || errCode(t, raw) != fechatter.EConflict {
		t.Fatalf("duplicate signup: %d %s", code, raw)
	}

	var me fechatter.User
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me", a.AccessToken, nil, &me)
	if me.ID != a.User.ID {
		t.Fatalf("me = %+v", me)
	}

	var login ft.Account
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]string{"email": addr, "password": "correct horse battery"}, &login)
	code, raw = s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": addr, "password": "wrong password"}, nil)
	if code != http.StatusUnauthorized || errCode(t, raw) != fechatter.EUnauthorized {
		t.Fatalf("wrong password: %d %s", code, raw)
	}
	code, _ = s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "whatever1"}, nil)
	if code != http.StatusUnauthorized {
		t.Fatalf("unknown email: %d", code)
	}

	// Rotation: the new refresh token works, the used one is a replay that revokes the family.
	var r1 ft.Account
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": login.RefreshToken}, &r1)
	if r1.RefreshToken == login.RefreshToken || r1.AccessToken == "" || r1.User.ID != a.User.ID {
		t.Fatalf("refresh = %+v", r1)
	}
	s.MustDo(t, http.StatusUnauthorized, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": login.RefreshToken}, nil)
	s.MustDo(t, http.StatusUnauthorized, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": r1.RefreshToken}, nil)

	// Logout revokes the family of the signup session; other sessions live on.
	s.MustDo(t, http.StatusNoContent, "POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": a.RefreshToken}, nil)
	s.MustDo(t, http.StatusUnauthorized, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": a.RefreshToken}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": b.RefreshToken}, nil)
}

func TestBadRequestsGetTheEnvelope(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	cases := []struct {
		method, path, token string
		body                any
		status              int
		code, mention       string
	}{
		{"POST", "/api/v1/auth/signup", "", map[string]any{"email": "not-an-email", "password": "longenough", "fullname": "x", "workspace": "w"}, 400, fechatter.EInvalid, "email"},
		{"POST", "/api/v1/auth/signup", "", map[string]any{"email": "x@y.io", "password": "short", "fullname": "x", "workspace": "w"}, 400, fechatter.EInvalid, "password"},
		{"POST", "/api/v1/auth/signup", "", map[string]any{"email": "x@y.io", "password": "longenough", "fullname": 5, "workspace": "w"}, 400, fechatter.EInvalid, "fullname"},
		{"POST", "/api/v1/auth/signup", "", map[string]any{"email": "x@y.io", "password": "longenough", "fullname": "x"}, 400, fechatter.EInvalid, "workspace"},
		{"POST", "/api/v1/auth/login", "", "{", 400, fechatter.EInvalid, "JSON"},
		{"GET", "/api/v1/me", "", nil, 401, fechatter.EUnauthorized, "token"},
		{"GET", "/api/v1/me", "nonsense", nil, 401, fechatter.EUnauthorized, "token"},
		{"POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "party"}, 400, fechatter.EInvalid, "kind"},
		{"POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "direct", "member_ids": []int64{}}, 400, fechatter.EInvalid, "direct"},
		{"POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "channel"}, 400, fechatter.EInvalid, "name"},
		{"POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "group", "member_ids": "1,2"}, 400, fechatter.EInvalid, "member_ids"},
		{"GET", "/api/v1/chats/abc", a.AccessToken, nil, 400, fechatter.EInvalid, "id"},
		{"GET", "/api/v1/chats/424242", a.AccessToken, nil, 404, fechatter.ENotFound, "chat"},
		{"GET", "/api/v1/users?limit=1000", a.AccessToken, nil, 400, fechatter.EInvalid, "limit"},
		{"GET", "/api/v1/nope", a.AccessToken, nil, 404, fechatter.ENotFound, "nope"},
		{"PATCH", "/api/v1/admin/users/1", "", map[string]any{"disabled": true}, 401, fechatter.EUnauthorized, "token"},
	}
	for _, tc := range cases {
		var body any = tc.body
		code, raw := doRaw(t, s, tc.method, tc.path, tc.token, body)
		if code != tc.status || errCode(t, raw) != tc.code || !strings.Contains(string(raw), tc.mention) {
			t.Errorf("%s %s: %d %s; want %d %s mentioning %q", tc.method, tc.path, code, raw, tc.status, tc.code, tc.mention)
		}
	}
}

// doRaw sends body as-is when it is a string (to test broken JSON).
func doRaw(t *testing.T, s *ft.Server, method, path, token string, body any) (int, []byte) {
	if str, ok := body.(string); ok {
		return s.Do(t, method, path, token, []byte(str), nil)
	}
	return s.Do(t, method, path, token, body, nil)
}

func TestChatsMembersAndHistory(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	c := s.Signup(t, email("cat"), "acme")
	x := s.Signup(t, email("xan"), "other")

	var dir struct{ Users []fechatter.User }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/users?q=BEN", a.AccessToken, nil, &dir)
	if len(dir.Users) != 1 || dir.Users[0].ID != b.User.ID {
		t.Fatalf("directory search = %+v", dir.Users)
	}

	direct := s.CreateChat(t, a, fechatter.ChatDirect, "", b.User.ID)
	var again fechatter.Chat
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/chats", b.AccessToken, map[string]any{"kind": "direct", "member_ids": []int64{a.User.ID}}, &again)
	if again.ID != direct.ID {
		t.Fatalf("second direct chat between the same pair: %d != %d", again.ID, direct.ID)
	}
	s.MustDo(t, http.StatusBadRequest, "POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "group", "member_ids": []int64{x.User.ID}}, nil)

	var private fechatter.Chat
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{
		"kind": "channel", "name": "secret", "private": true, "member_ids": []int64{b.User.ID}}, &private)
	// A private chat one is not in is as unknown as another workspace's: 404 for both.
	s.MustDo(t, http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/chats/%d", private.ID), c.AccessToken, nil, nil)
	s.MustDo(t, http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/chats/%d", private.ID), x.AccessToken, nil, nil)
	// Only admins add members; a member cannot.
	s.MustDo(t, http.StatusForbidden, "POST", fmt.Sprintf("/api/v1/chats/%d/members", private.ID), b.AccessToken, map[string]any{"user_ids": []int64{c.User.ID}}, nil)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/members", private.ID), a.AccessToken, map[string]any{"user_ids": []int64{c.User.ID}}, nil)
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d", private.ID), c.AccessToken, nil, nil)
	// A member may leave; not remove others.
	s.MustDo(t, http.StatusForbidden, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", private.ID, b.User.ID), c.AccessToken, nil, nil)
	s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", private.ID, c.User.ID), c.AccessToken, nil, nil)
	s.MustDo(t, http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/chats/%d/messages", private.ID), c.AccessToken, nil, nil)

	// Public channel: anyone in the workspace may join themselves.
	var public fechatter.Chat
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "channel", "name": "general"}, &public)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/members", public.ID), c.AccessToken, map[string]any{"user_ids": []int64{c.User.ID}}, nil)

	var list struct{ Chats []fechatter.ChatSummary }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", a.AccessToken, nil, &list)
	if len(list.Chats) != 3 {
		t.Fatalf("ann has %d chats, want 3", len(list.Chats))
	}

	// History paging over a real timeline: seq 1 is ann joining, messages take 2..8.
	conn := s.Dial(t, a.AccessToken)
	conn.Ready()
	for i := 1; i <= 7; i++ {
		conn.Send(map[string]any{"type": "send", "chat_id": public.ID, "client_id": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "text": fmt.Sprint("m", i)})
		conn.WaitFor(ft.Wait, ft.Type("ack"))
	}
	var page struct {
		Messages []fechatter.Message
		HasMore  bool `json:"has_more"`
	}
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/messages?limit=3", public.ID), c.AccessToken, nil, &page)
	if len(page.Messages) != 3 || page.Messages[0].Seq != 6 || page.Messages[2].Seq != 8 || !page.HasMore {
		t.Fatalf("newest page = %+v", page)
	}
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/messages?before=6&limit=3", public.ID), c.AccessToken, nil, &page)
	if len(page.Messages) != 3 || page.Messages[0].Seq != 3 || !page.HasMore {
		t.Fatalf("before page = %+v", page)
	}
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/messages?after=6", public.ID), c.AccessToken, nil, &page)
	if len(page.Messages) != 2 || page.Messages[0].Seq != 7 || page.HasMore {
		t.Fatalf("after page = %+v", page)
	}
	if all := s.History(t, c, public.ID); len(all) != 7 || all[0].Seq != 2 {
		t.Fatalf("full history from after=0 has %d messages", len(all))
	}
	s.MustDo(t, http.StatusBadRequest, "GET", fmt.Sprintf("/api/v1/chats/%d/messages?limit=201", public.ID), c.AccessToken, nil, nil)
}

func TestAdminDisablesUser(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	owner := s.Signup(t, email("own"), "acme")
	m := s.Signup(t, email("mem"), "acme")
	s.MustDo(t, http.StatusForbidden, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", owner.User.ID), m.AccessToken, map[string]any{"disabled": true}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", m.User.ID), owner.AccessToken, map[string]any{"disabled": true}, nil)
	s.MustDo(t, http.StatusUnauthorized, "GET", "/api/v1/me", m.AccessToken, nil, nil)
	s.MustDo(t, http.StatusUnauthorized, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": m.RefreshToken}, nil)
	if code := s.Dial(t, m.AccessToken).Closed(ft.Wait); code != 4003 {
		t.Fatalf("disabled user's socket: close %d, want 4003 (access revoked)", code)
	}
}

func TestSendOverREST(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	chat := s.CreateChat(t, a, fechatter.ChatDirect, "", b.User.ID)
	conn := s.Dial(t, b.AccessToken)
	conn.Ready()
	path := fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID)
	body := map[string]any{"client_id": "0b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "from a script"}
	var first, again struct{ Message fechatter.Message }
	s.MustDo(t, http.StatusCreated, "POST", path, a.AccessToken, body, &first)
	s.MustDo(t, http.StatusOK, "POST", path, a.AccessToken, body, &again)
	if first.Message.ID == 0 || again.Message.ID != first.Message.ID {
		t.Fatalf("resend over REST: %+v then %+v", first.Message, again.Message)
	}
	if e := conn.WaitFor(ft.Wait, ft.Type("message")); e.Message.ID != first.Message.ID {
		t.Fatalf("socket got %s", e.Raw)
	}
	for _, bad := range []map[string]any{{"client_id": "x", "text": "t"}, {"client_id": body["client_id"]}, {"client_id": "1b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": " "}} {
		s.MustDo(t, http.StatusBadRequest, "POST", path, a.AccessToken, bad, nil)
	}
	x := s.Signup(t, email("xan"), "acme")
	s.MustDo(t, http.StatusNotFound, "POST", path, x.AccessToken, map[string]any{"client_id": "2b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "hi"}, nil)
}

func TestAdminRemovesAMessageLive(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	owner := s.Signup(t, email("own"), "acme")
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	chat := s.CreateChat(t, a, fechatter.ChatDirect, "", b.User.ID)
	conn := s.Dial(t, b.AccessToken)
	conn.Ready()
	var sent struct{ Message fechatter.Message }
	s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), a.AccessToken,
		map[string]any{"client_id": "3b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "spam"}, &sent)
	path := fmt.Sprintf("/api/v1/admin/chats/%d/messages/%d", chat.ID, sent.Message.ID)
	s.MustDo(t, http.StatusForbidden, "DELETE", path, b.AccessToken, nil, nil) // not a workspace admin
	s.MustDo(t, http.StatusOK, "DELETE", path, owner.AccessToken, nil, nil)    // owner is not in the chat
	if e := conn.WaitFor(ft.Wait, ft.Type("message_deleted")); e.MessageID != sent.Message.ID || e.Seq != 2 {
		t.Fatalf("socket got %s", e.Raw)
	}
	x := s.Signup(t, email("xan"), "other")
	s.MustDo(t, http.StatusNotFound, "DELETE", path, x.AccessToken, nil, nil) // an admin of another workspace
}

// With Redis, the auth rate limit is one limit across nodes, not one per node.
func TestAuthLimitIsSharedAcrossNodes(t *testing.T) {
	rs := ft.StartRedisServer(t)
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	tune := func(c *node.Config) { c.AuthPerMinute = 3 }
	opts := ft.Options{DatabaseURL: db, NATSPrefix: prefix, JWTSecret: secret, RedisURL: rs.URL, Tune: tune}
	n1, n2 := ft.Start(t, opts), ft.Start(t, opts)
	login := map[string]string{"email": "nobody@example.com", "password": "wrong password"}
	for i, n := range []*ft.Server{n1, n2, n1} {
		if code, raw := n.Do(t, "POST", "/api/v1/auth/login", "", login, nil); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, code, raw)
		}
	}
	code, raw := n2.Do(t, "POST", "/api/v1/auth/login", "", login, nil)
	if code != http.StatusTooManyRequests || errCode(t, raw) != fechatter.ERateLimited {
		t.Fatalf("4th attempt on the other node: %d %s, want 429", code, raw)
	}
}

// Behind a trusted balancer the limit applies per client: the right-most address the balancer
// vouches for, never what the client wrote itself. A client spoofing a new left-most
// X-Forwarded-For on every request is still limited; two real clients behind the same
// balancer are limited separately.
func TestAuthLimitPerClientBehindAProxy(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.AuthPerMinute, c.TrustedProxies = 2, []string{"127.0.0.1"}
	}})
	for i := 0; i < 2; i++ {
		if code, _ := loginFrom(t, s, fmt.Sprintf("198.51.100.%d, 203.0.113.7", i), "no@example.com", "wrong one"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	code, h := loginFrom(t, s, "198.51.100.99, 203.0.113.7", "no@example.com", "wrong one")
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("third attempt of one client with a fresh spoofed address: %d (Retry-After %q), want 429", code, h.Get("Retry-After"))
	}
	if code, _ := loginFrom(t, s, "198.51.100.99, 203.0.113.8", "no@example.com", "wrong one"); code != http.StatusUnauthorized {
		t.Fatalf("another client behind the same balancer: %d, want 401", code)
	}
}

// Without trusted proxies X-Forwarded-For means nothing: the connection's address counts.
func TestAuthLimitIgnoresForwardedForFromUntrustedPeers(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.AuthPerMinute = 2 }})
	for i := 0; i < 2; i++ {
		if code, _ := loginFrom(t, s, fmt.Sprintf("203.0.113.%d", i), "no@example.com", "wrong one"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code, _ := loginFrom(t, s, "203.0.113.77", "no@example.com", "wrong one"); code != http.StatusTooManyRequests {
		t.Fatalf("third attempt with a made-up X-Forwarded-For: %d, want 429", code)
	}
}

func TestOwnerAppointsChatAdmins(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	c := s.Signup(t, email("cat"), "acme")
	d := s.Signup(t, email("dan"), "acme")
	g := s.CreateChat(t, a, fechatter.ChatGroup, "team", b.User.ID, c.User.ID)
	path := fmt.Sprintf("/api/v1/chats/%d/members/%d", g.ID, b.User.ID)
	add := fmt.Sprintf("/api/v1/chats/%d/members", g.ID)
	s.MustDo(t, http.StatusForbidden, "POST", add, b.AccessToken, map[string]any{"user_ids": []int64{d.User.ID}}, nil)
	s.MustDo(t, http.StatusForbidden, "PATCH", path, c.AccessToken, map[string]any{"role": "admin"}, nil)
	s.MustDo(t, http.StatusBadRequest, "PATCH", path, a.AccessToken, map[string]any{"role": "owner"}, nil)
	var m fechatter.Member
	s.MustDo(t, http.StatusOK, "PATCH", path, a.AccessToken, map[string]any{"role": "admin"}, &m)
	if m.Role != fechatter.RoleAdmin || m.UserID != b.User.ID {
		t.Fatalf("membership = %+v", m)
	}
	s.MustDo(t, http.StatusOK, "POST", add, b.AccessToken, map[string]any{"user_ids": []int64{d.User.ID}}, nil)
}
