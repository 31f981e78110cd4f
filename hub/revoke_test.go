package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/hub"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// revokedWithin is how soon a revocation must reach every socket.
const revokedWithin = 2 * time.Second

// alive proves a connection still works: a ping is answered.
func alive(t *testing.T, c *ft.Conn) {
	t.Helper()
	c.Send(map[string]any{"type": "ping", "ref": "alive"})
	c.WaitFor(wait, ft.Type("pong"))
}

// Finding 2: a disabled user's open WebSocket and SSE streams close on every node at once,
// nothing they send after is stored, and re-enabling brings no old login back.
func TestDisabledUserIsCutOffOnEveryNode(t *testing.T) {
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	n1 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	n2 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	ws := fmt.Sprintf("revoke-%d", seq.Add(1))
	owner := n1.Signup(t, email("owner"), ws)
	bob := n2.Signup(t, email("bob"), ws)
	chat := n1.CreateChat(t, owner, fechatter.ChatDirect, "", bob.User.ID)
	b1 := n1.Dial(t, bob.AccessToken)
	b1.Ready()
	b2 := n2.Dial(t, bob.AccessToken)
	b2.Ready()
	sse1 := n1.OpenSSE(t, ft.SSEOptions{Token: bob.AccessToken})
	sse1.WaitFor(wait, "ready")
	sse2 := n2.OpenSSE(t, ft.SSEOptions{Token: bob.AccessToken})
	sse2.WaitFor(wait, "ready")

	n1.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.User.ID), owner.AccessToken, map[string]any{"disabled": true}, nil)
	for i, c := range []*ft.Conn{b1, b2} {
		if code := c.Closed(revokedWithin); code != hub.CloseRevoked {
			t.Fatalf("socket on node %d closed with %d, want 4003", i+1, code)
		}
	}
	sse1.Ended(revokedWithin)
	sse2.Ended(revokedWithin)
	if again := n1.OpenSSE(t, ft.SSEOptions{Token: bob.AccessToken}); again.Resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a disabled user's new event stream answered %d, want 401", again.Resp.StatusCode)
	}

	if code, raw := n2.Do(t, "GET", "/api/v1/me", bob.AccessToken, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("a disabled user's access token still works: %d %s", code, raw)
	}
	d := n2.Dial(t, bob.AccessToken)
	if code := d.Closed(wait); code != hub.CloseRevoked {
		t.Fatalf("a disabled user's new socket closed with %d, want 4003", code)
	}
	n1.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", bob.User.ID), owner.AccessToken, map[string]any{"disabled": false}, nil)
	if code, raw := n1.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": bob.RefreshToken}, nil); code != http.StatusUnauthorized {
		t.Fatalf("re-enabling brought an old login back: %d %s", code, raw)
	}
	if h := n1.History(t, owner, chat.ID); len(h) != 0 {
		t.Fatalf("history holds %d messages", len(h))
	}
}

// logout ends one session (its sockets close with 4003), logout-all every session.
func TestLogoutEndsSessionsAndTheirSockets(t *testing.T) {
	p := newPair(t, ft.Options{})
	s := p.s
	other := s.Login(t, p.bob.User.Email) // a second session of bob's
	c1 := s.Dial(t, p.bob.AccessToken)
	c1.Ready()
	c2 := s.Dial(t, other.AccessToken)
	c2.Ready()

	s.MustDo(t, http.StatusNoContent, "POST", "/api/v1/auth/logout", p.bob.AccessToken, map[string]any{"refresh_token": p.bob.RefreshToken}, nil)
	if code := c1.Closed(revokedWithin); code != hub.CloseRevoked {
		t.Fatalf("the logged-out session's socket closed with %d, want 4003", code)
	}
	alive(t, c2)
	if code, _ := s.Do(t, "GET", "/api/v1/me", p.bob.AccessToken, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("access token of a logged-out session answered %d, want 401", code)
	}
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me", other.AccessToken, nil, nil)

	s.MustDo(t, http.StatusNoContent, "POST", "/api/v1/auth/logout-all", other.AccessToken, nil, nil)
	if code := c2.Closed(revokedWithin); code != hub.CloseRevoked {
		t.Fatalf("logout-all left a socket that closed with %d, want 4003", code)
	}
	if code, _ := s.Do(t, "POST", "/api/v1/auth/refresh", "", map[string]any{"refresh_token": other.RefreshToken}, nil); code != http.StatusUnauthorized {
		t.Fatalf("refresh after logout-all answered %d", code)
	}
}

// A password change ends every other session of the user and keeps this one.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	p := newPair(t, ft.Options{})
	s := p.s
	other := s.Login(t, p.bob.User.Email)
	here := s.Dial(t, p.bob.AccessToken)
	here.Ready()
	there := s.Dial(t, other.AccessToken)
	there.Ready()
	s.MustDo(t, http.StatusBadRequest, "POST", "/api/v1/me/password", p.bob.AccessToken,
		map[string]any{"current_password": "wrong password", "new_password": "a new long password"}, nil)
	s.MustDo(t, http.StatusNoContent, "POST", "/api/v1/me/password", p.bob.AccessToken,
		map[string]any{"current_password": "correct horse battery", "new_password": "a new long password"}, nil)
	if code := there.Closed(revokedWithin); code != hub.CloseRevoked {
		t.Fatalf("the other session's socket closed with %d, want 4003", code)
	}
	alive(t, here)
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me", p.bob.AccessToken, nil, nil)
	s.MustDo(t, http.StatusUnauthorized, "POST", "/api/v1/auth/login", "", map[string]any{"email": p.bob.User.Email, "password": "correct horse battery"}, nil)
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": p.bob.User.Email, "password": "a new long password"}, nil)
}

// An open socket honours its token's expiry (4001) unless a fresh token arrives in band.
func TestTokenExpiryAndInBandRefresh(t *testing.T) {
	const ttl = 4 * time.Second // JWT times are whole seconds: at least 3 s of life
	secret := ft.RandomSecret()
	s := ft.Start(t, ft.Options{JWTSecret: secret, Tune: func(c *node.Config) { c.AccessTTL = ttl }})
	ws := fmt.Sprintf("ttl-%d", seq.Add(1))
	alice := s.Signup(t, email("alice"), ws)
	bob := s.Signup(t, email("bob"), ws)
	claims, err := s.Issuer.Verify(bob.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.NewKeys([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	long, err := auth.NewIssuer(auth.IssuerConfig{Keys: keys, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := long.Issue(bob.User.ID, bob.User.WorkspaceID, claims.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	stale := s.Dial(t, bob.AccessToken)
	stale.Ready()
	kept := s.Dial(t, bob.AccessToken)
	kept.Ready()

	kept.Send(map[string]any{"type": "auth", "token": fresh, "ref": "renew"})
	if e := kept.WaitFor(wait, ft.Type("authenticated")); string(e.Ref) != `"renew"` || !containsExpiry(e.Raw) {
		t.Fatalf("in-band auth answered %s", e.Raw)
	}
	kept.Send(map[string]any{"type": "auth", "token": alice.AccessToken, "ref": "other"})
	if e := kept.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EInvalid || string(e.Ref) != `"other"` {
		t.Fatalf("another user's token in band: %s", e.Raw)
	}
	kept.Send(map[string]any{"type": "auth", "token": "garbage", "ref": "bad"})
	if e := kept.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EUnauthorized {
		t.Fatalf("a bad token in band: %s", e.Raw)
	}
	if code := stale.Closed(ttl + 5*time.Second); code != 4001 {
		t.Fatalf("a socket past its token's expiry closed with %d, want 4001", code)
	}
	alive(t, kept)
}

func containsExpiry(raw []byte) bool {
	var v struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	return json.Unmarshal(raw, &v) == nil && time.Until(v.ExpiresAt) > 30*time.Minute
}

// A removed member's socket receives nothing of the chat after the removal, even when no
// notice of it was ever published: the removal is in the timeline, and the cursor meets it in
// seq order before anything sent after it.
func TestRemovalWithoutNoticeStopsTheTimeline(t *testing.T) {
	p := newPair(t, ft.Options{})
	removalWithoutNotice(t, p.s, p.s, p.workspace, p.alice, p.bob)
}

// The same across nodes sharing PostgreSQL and an external NATS: the node holding the removed
// member's socket never hears of the removal, only of the message after it, and still stops
// the chat at the removal (it reads the gap from the store).
func TestRemovalWithoutNoticeStopsTheTimelineOnAnotherNode(t *testing.T) {
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	n1 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	n2 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	ws := fmt.Sprintf("removal-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n1.Signup(t, email("bob"), ws)
	removalWithoutNotice(t, n1, n2, ws, alice, bob)
}

// removalWithoutNotice removes carol (whose socket is on carolNode) from a group straight in
// the store of node, then alice (on node) sends: carol's socket must get member_left and
// chat_left, and never the message.
func removalWithoutNotice(t *testing.T, node, carolNode *ft.Server, workspace string, alice, bob ft.Account) {
	t.Helper()
	carol := carolNode.Signup(t, email("carol"), workspace)
	group := node.CreateChat(t, alice, fechatter.ChatGroup, "team", bob.User.ID, carol.User.ID)
	c := carolNode.Dial(t, carol.AccessToken)
	c.Ready()
	a := node.Dial(t, alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(group.ID, "before"))
	c.WaitFor(wait, isMessage(group.ID))

	// Straight in the store: no chat_left, no member_left on NATS.
	if _, err := node.Store.RemoveMember(t.Context(), group.ID, carol.User.ID, alice.User.ID); err != nil {
		t.Fatal(err)
	}
	a.Send(sendFrame(group.ID, "secret after the removal"))
	a.WaitFor(wait, ft.Type("ack"))
	if e := c.WaitFor(wait, ft.Type("member_left")); e.ChatID != group.ID || e.Seq != 2 {
		t.Fatalf("member_left = %s", e.Raw)
	}
	c.WaitFor(wait, ft.Type("chat_left"))
	alive(t, c)
	for _, e := range c.Drain() {
		if e.Type == "message" && e.Message.ChatID == group.ID {
			t.Fatalf("removed member received %s", e.Raw)
		}
	}
}

// After NATS may have dropped revoke events, the node rechecks every socket's session.
func TestRecheckClosesSessionsRevokedInTheStore(t *testing.T) {
	p := newPair(t, ft.Options{})
	c := p.s.Dial(t, p.bob.AccessToken)
	c.Ready()
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	if err := p.s.Store.RevokeSessions(t.Context(), p.bob.User.ID, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	p.s.Hub.Recheck(ctx)
	if code := c.Closed(wait); code != hub.CloseRevoked {
		t.Fatalf("recheck closed bob's socket with %d, want 4003", code)
	}
	alive(t, a)
}
