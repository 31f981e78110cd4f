package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

type invite struct {
	ID        int64          `json:"id"`
	Token     string         `json:"token"`
	URL       string         `json:"url"`
	Role      fechatter.Role `json:"role"`
	MaxUses   int            `json:"max_uses"`
	Uses      int            `json:"uses"`
	Email     string         `json:"email"`
	RevokedAt *string        `json:"revoked_at"`
}

func signupBody(mail string, extra map[string]any) map[string]any {
	b := map[string]any{"email": mail, "password": "correct horse battery", "fullname": "User " + mail}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// Finding 1: knowing a workspace's name is no longer enough to join it.
func TestJoiningByNameMakesYourOwnWorkspace(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	owner := s.Signup(t, email("owner"), "acme")
	var intruder ft.Account
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody(email("intruder"), map[string]any{"workspace": "acme"}), &intruder)
	if intruder.User.WorkspaceID == owner.User.WorkspaceID || intruder.User.Role != fechatter.RoleOwner {
		t.Fatalf("a signup naming acme joined it: %+v", intruder.User)
	}
	var dir struct{ Users []fechatter.User }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/users", intruder.AccessToken, nil, &dir)
	if len(dir.Users) != 1 || dir.Users[0].ID != intruder.User.ID {
		t.Fatalf("the intruder's directory lists %+v, want only themselves", dir.Users)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/chats/%d", 1), fmt.Sprintf("/api/v1/admin/users/%d", owner.User.ID)} {
		method, body := "GET", any(nil)
		if strings.Contains(path, "admin") {
			method, body = "PATCH", map[string]any{"disabled": true}
		}
		if code, raw := s.Do(t, method, path, intruder.AccessToken, body, nil); code != http.StatusNotFound {
			t.Fatalf("%s %s from another workspace: %d %s, want 404", method, path, code, raw)
		}
	}
	s.CreateChat(t, owner, fechatter.ChatChannel, "general")
	if code, raw := s.Do(t, "GET", "/api/v1/chats/1/messages", intruder.AccessToken, nil, nil); code != http.StatusNotFound {
		t.Fatalf("another workspace's channel history: %d %s", code, raw)
	}
}

func TestInvitations(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	owner := s.Signup(t, email("owner"), "acme")
	member := s.Signup(t, email("member"), "acme")

	// Members may not invite until the workspace allows it; admins are the owner's to make.
	s.MustDo(t, http.StatusForbidden, "POST", "/api/v1/invites", member.AccessToken, map[string]any{}, nil)
	var inv invite
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", owner.AccessToken, map[string]any{"role": "admin"}, &inv)
	if inv.Token == "" || inv.Role != fechatter.RoleAdmin || inv.MaxUses != 25 || !strings.HasSuffix(inv.URL, "/invite#"+inv.Token) ||
		!strings.HasPrefix(inv.URL, s.URL) {
		t.Fatalf("invite = %+v", inv)
	}
	var preview struct {
		Workspace struct{ Name string }
		Role      fechatter.Role
	}
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/invite", "", map[string]any{"invite": inv.Token}, &preview)
	if preview.Workspace.Name != "acme" || preview.Role != fechatter.RoleAdmin {
		t.Fatalf("preview = %+v", preview)
	}
	var admin ft.Account
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody(email("admin"), map[string]any{"invite": inv.Token, "workspace": "ignored"}), &admin)
	if admin.User.WorkspaceID != owner.User.WorkspaceID || admin.User.Role != fechatter.RoleAdmin {
		t.Fatalf("invited admin = %+v", admin.User)
	}
	s.MustDo(t, http.StatusForbidden, "POST", "/api/v1/invites", admin.AccessToken, map[string]any{"role": "admin"}, nil)

	yes := true
	s.MustDo(t, http.StatusForbidden, "PATCH", "/api/v1/workspace", member.AccessToken, map[string]any{"members_can_invite": yes}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", "/api/v1/workspace", admin.AccessToken, map[string]any{"members_can_invite": yes}, nil)
	var bound invite
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", member.AccessToken, map[string]any{"email": "Dana@Example.com"}, &bound)
	if bound.MaxUses != 1 || bound.Email != "dana@example.com" || bound.Role != fechatter.RoleMember {
		t.Fatalf("email-bound invite = %+v", bound)
	}

	// Every bad invitation gets the same 400 naming "invite", and leaks nothing.
	bad := func(body map[string]any, what string) {
		t.Helper()
		code, raw := s.Do(t, "POST", "/api/v1/auth/signup", "", body, nil)
		if code != http.StatusBadRequest || errCode(t, raw) != fechatter.EInvalid || !strings.Contains(string(raw), `\"invite\"`) ||
			strings.Contains(string(raw), "acme") {
			t.Fatalf("%s: %d %s", what, code, raw)
		}
	}
	bad(signupBody(email("eve"), map[string]any{"invite": bound.Token}), "invite bound to another email")
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody("dana@example.com", map[string]any{"invite": bound.Token}), nil)
	bad(signupBody(email("eve"), map[string]any{"invite": bound.Token}), "used-up invite")
	bad(signupBody(email("eve"), map[string]any{"invite": "guess"}), "unknown invite")
	if code, raw := s.Do(t, "POST", "/api/v1/auth/invite", "", map[string]any{"invite": "guess"}, nil); code != http.StatusBadRequest {
		t.Fatalf("preview of a guess: %d %s", code, raw)
	}

	var open invite
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", owner.AccessToken, map[string]any{"max_uses": 5, "expires_in": 3600}, &open)
	// A member revokes only their own invitations; another's looks like nothing.
	s.MustDo(t, http.StatusNotFound, "DELETE", fmt.Sprintf("/api/v1/invites/%d", open.ID), member.AccessToken, nil, nil)
	s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/invites/%d", open.ID), admin.AccessToken, nil, nil)
	bad(signupBody(email("eve"), map[string]any{"invite": open.Token}), "revoked invite")
	var list struct{ Invites []invite }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/invites", owner.AccessToken, nil, &list)
	// Four: the one Signup made for the member, the admin's, dana's and the revoked one.
	if len(list.Invites) != 4 || list.Invites[0].ID != open.ID || list.Invites[0].RevokedAt == nil || list.Invites[0].Token != "" {
		t.Fatalf("invites = %+v", list.Invites)
	}
	for _, body := range []map[string]any{{"role": "owner"}, {"max_uses": 0.5}, {"expires_in": 10}, {"email": "nope"}} {
		if code, raw := s.Do(t, "POST", "/api/v1/invites", owner.AccessToken, body, nil); code != http.StatusBadRequest {
			t.Fatalf("invite %v: %d %s", body, code, raw)
		}
	}
}

func TestInviteOnlyServer(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.SignupPolicy = "invite-only"; c.PublicURL = "https://chat.example.com/" }})
	first := s.Signup(t, email("first"), "acme") // the very first user may
	code, raw := s.Do(t, "POST", "/api/v1/auth/signup", "", signupBody(email("second"), map[string]any{"workspace": "mine"}), nil)
	if code != http.StatusForbidden || errCode(t, raw) != fechatter.EForbidden {
		t.Fatalf("uninvited signup on an invite-only server: %d %s", code, raw)
	}
	var inv invite
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", first.AccessToken, map[string]any{}, &inv)
	if inv.URL != "https://chat.example.com/invite#"+inv.Token {
		t.Fatalf("invite url %q does not use FECHATTER_PUBLIC_URL", inv.URL)
	}
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody(email("second"), map[string]any{"invite": inv.Token}), nil)
}

// Finding 5: owner > admins > members, 404 outside the workspace, and an audit trail.
func TestRolesAndAudit(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	owner := s.Signup(t, email("owner"), "acme")
	a1 := s.Signup(t, email("a1"), "acme")
	a2 := s.Signup(t, email("a2"), "acme")
	m := s.Signup(t, email("m"), "acme")
	for _, a := range []ft.Account{a1, a2} {
		s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", a.User.ID), owner.AccessToken, map[string]any{"role": "admin"}, nil)
	}
	a1 = s.Login(t, a1.User.Email)
	user := func(id int64) string { return fmt.Sprintf("/api/v1/admin/users/%d", id) }
	s.MustDo(t, http.StatusForbidden, "PATCH", user(a2.User.ID), a1.AccessToken, map[string]any{"disabled": true}, nil)
	s.MustDo(t, http.StatusForbidden, "PATCH", user(owner.User.ID), a1.AccessToken, map[string]any{"disabled": true}, nil)
	s.MustDo(t, http.StatusForbidden, "PATCH", user(m.User.ID), a1.AccessToken, map[string]any{"role": "admin"}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", user(m.User.ID), a1.AccessToken, map[string]any{"disabled": true}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", user(a2.User.ID), owner.AccessToken, map[string]any{"disabled": true}, nil)

	// A chat archived by a workspace admin stays archived for the chat's own owner.
	chat := s.CreateChat(t, a1, fechatter.ChatChannel, "ops")
	owned := s.Signup(t, email("chatowner"), "acme")
	mine := s.CreateChat(t, owned, fechatter.ChatGroup, "mine", a1.User.ID)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/admin/chats/%d/archive", mine.ID), a1.AccessToken, nil, nil)
	s.MustDo(t, http.StatusForbidden, "PATCH", fmt.Sprintf("/api/v1/chats/%d", mine.ID), owned.AccessToken, map[string]any{"archived": false}, nil)
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/admin/chats/%d/unarchive", mine.ID), a1.AccessToken, nil, nil)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/chats/%d", mine.ID), owned.AccessToken, map[string]any{"archived": true}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/chats/%d", mine.ID), owned.AccessToken, map[string]any{"archived": false}, nil)
	_ = chat

	var log struct {
		Entries []fechatter.AuditEntry
		HasMore bool `json:"has_more"`
	}
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/admin/audit?limit=200", owner.AccessToken, nil, &log)
	var actions []string
	for _, e := range log.Entries {
		actions = append(actions, e.Action)
	}
	// Signup invites everyone after the owner (invite.create).
	want := "chat.unarchive chat.archive chat.unarchive chat.archive invite.create user.disable user.disable user.role user.role invite.create invite.create invite.create"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit actions = %q, want %q", got, want)
	}
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/admin/audit?action=user.disable&actor_id=%d", a1.User.ID), owner.AccessToken, nil, &log)
	if len(log.Entries) != 1 || log.Entries[0].TargetID != m.User.ID || log.Entries[0].TargetType != "user" {
		t.Fatalf("filtered audit = %+v", log.Entries)
	}
	s.MustDo(t, http.StatusForbidden, "GET", "/api/v1/admin/audit", owned.AccessToken, nil, nil)
	s.MustDo(t, http.StatusBadRequest, "GET", "/api/v1/admin/audit?limit=0", owner.AccessToken, nil, nil)
}
