package rest_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// bothStores runs f once on SQLite and once on a fresh PostgreSQL database.
func bothStores(t *testing.T, f func(t *testing.T, s *ft.Server)) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) { f(t, ft.Start(t, ft.Options{Postgres: pg})) })
	}
}

var digits = regexp.MustCompile(`[0-9]+`)

// Finding 5: nothing outside your workspace answers anything but the 404 an id that does not
// exist gets, word for word (ids aside), even to the owner of another workspace: no 403, no
// "only the sender may…", nothing that tells a real id from a made-up one.
func TestOutsideTheWorkspaceLooksLikeNothing(t *testing.T) {
	bothStores(t, func(t *testing.T, s *ft.Server) {
		owner := s.Signup(t, email("owner"), "acme")
		member := s.Signup(t, email("member"), "acme")
		chat := s.CreateChat(t, owner, fechatter.ChatGroup, "secrets", member.User.ID)
		var sent struct{ Message fechatter.Message }
		s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), owner.AccessToken,
			map[string]any{"client_id": "0b6c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d", "text": "the plan"}, &sent)
		var inv invite
		s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", owner.AccessToken, map[string]any{}, &inv)
		// The intruder owns a workspace of their own of the same name: an owner, just not here.
		var intruder ft.Account
		s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody(email("intruder"), map[string]any{"workspace": "acme"}), &intruder)

		const missing = 987654321
		type probe struct {
			method, path string
			body         any
		}
		probes := func(chatID, msgID, userID, inviteID int64) []probe {
			c := fmt.Sprintf("/api/v1/chats/%d", chatID)
			m := fmt.Sprintf("%s/messages/%d", c, msgID)
			return []probe{
				{"GET", c, nil},
				{"PATCH", c, map[string]any{"name": "mine now"}},
				{"GET", c + "/messages", nil},
				{"POST", c + "/messages", map[string]any{"client_id": "5d9a1f3c-2b4e-4c6d-9e8f-0a1b2c3d4e5f", "text": "hi"}},
				{"POST", c + "/members", map[string]any{"user_ids": []int64{intruder.User.ID}}},
				{"DELETE", fmt.Sprintf("%s/members/%d", c, userID), nil},
				{"PATCH", fmt.Sprintf("%s/members/%d", c, userID), map[string]any{"role": "admin"}},
				{"GET", c + "/reads", nil},
				{"POST", c + "/read", map[string]any{"seq": 1}},
				{"GET", c + "/pins", nil},
				{"GET", c + "/presence", nil},
				{"PUT", fmt.Sprintf("%s/pins/%d", c, msgID), nil},
				{"POST", m + "/reactions", map[string]any{"emoji": "👍"}},
				{"PUT", fmt.Sprintf("/api/v1/me/saved/%d", msgID), nil},
				{"POST", fmt.Sprintf("/api/v1/admin/chats/%d/archive", chatID), nil},
				{"POST", fmt.Sprintf("/api/v1/admin/chats/%d/unarchive", chatID), nil},
				{"DELETE", fmt.Sprintf("/api/v1/admin/chats/%d/messages/%d", chatID, msgID), nil},
				{"PATCH", fmt.Sprintf("/api/v1/admin/users/%d", userID), map[string]any{"disabled": true}},
				{"PATCH", fmt.Sprintf("/api/v1/admin/users/%d", userID), map[string]any{"role": "admin"}},
				{"DELETE", fmt.Sprintf("/api/v1/invites/%d", inviteID), nil},
			}
		}
		real := probes(chat.ID, sent.Message.ID, member.User.ID, inv.ID)
		made := probes(missing, missing, missing, missing)
		for i, p := range real {
			code, raw := s.Do(t, p.method, p.path, intruder.AccessToken, p.body, nil)
			mcode, mraw := s.Do(t, made[i].method, made[i].path, intruder.AccessToken, made[i].body, nil)
			if code != http.StatusNotFound || errCode(t, raw) != fechatter.ENotFound {
				t.Errorf("%s %s from another workspace: %d %s, want 404 not_found", p.method, p.path, code, raw)
				continue
			}
			if mcode != code || digits.ReplaceAllString(string(raw), "N") != digits.ReplaceAllString(string(mraw), "N") {
				t.Errorf("%s %s tells a real id from a made-up one:\n real: %d %s\n made: %d %s", p.method, p.path, code, raw, mcode, mraw)
			}
		}
		// and none of it changed anything
		if h := s.History(t, owner, chat.ID); len(h) != 1 || h[0].Text != "the plan" || len(h[0].Reactions) != 0 {
			t.Fatalf("history after the probes: %+v", h)
		}
		var dir struct{ Users []fechatter.User }
		s.MustDo(t, http.StatusOK, "GET", "/api/v1/users", owner.AccessToken, nil, &dir)
		for _, u := range dir.Users {
			if u.Disabled || u.Role == fechatter.RoleAdmin || u.ID == intruder.User.ID {
				t.Fatalf("the directory after the probes: %+v", dir.Users)
			}
		}
		var got fechatter.Chat
		s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d", chat.ID), owner.AccessToken, nil, &got)
		if got.Name != "secrets" || got.Archived {
			t.Fatalf("the chat after the probes: %+v", got)
		}
	})
}

// Finding 5: every admin and membership action is in the audit log with who did it to what:
// role changes, disabling and re-enabling, archiving, moderation, invitations made and
// revoked, workspace settings, and members added, removed and promoted in a chat.
func TestEveryAdminActionIsAudited(t *testing.T) {
	bothStores(t, func(t *testing.T, s *ft.Server) {
		owner := s.Signup(t, email("owner"), "acme")
		ann := s.Signup(t, email("ann"), "acme")
		ben := s.Signup(t, email("ben"), "acme")
		user := fmt.Sprintf("/api/v1/admin/users/%d", ann.User.ID)
		chat := s.CreateChat(t, owner, fechatter.ChatGroup, "ops", ann.User.ID)
		c := fmt.Sprintf("/api/v1/chats/%d", chat.ID)
		var sent struct{ Message fechatter.Message }
		s.MustDo(t, http.StatusCreated, "POST", c+"/messages", ann.AccessToken,
			map[string]any{"client_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "text": "spam"}, &sent)
		var inv invite
		steps := []struct {
			action     string
			targetType string
			targetID   func() int64
			do         func()
		}{
			{"user.role", "user", func() int64 { return ann.User.ID }, func() {
				s.MustDo(t, http.StatusOK, "PATCH", user, owner.AccessToken, map[string]any{"role": "admin"}, nil)
			}},
			{"user.disable", "user", func() int64 { return ben.User.ID }, func() {
				s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", ben.User.ID), owner.AccessToken, map[string]any{"disabled": true}, nil)
			}},
			{"user.enable", "user", func() int64 { return ben.User.ID }, func() {
				s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/admin/users/%d", ben.User.ID), owner.AccessToken, map[string]any{"disabled": false}, nil)
			}},
			{"chat.members_add", "chat", func() int64 { return chat.ID }, func() {
				s.MustDo(t, http.StatusOK, "POST", c+"/members", owner.AccessToken, map[string]any{"user_ids": []int64{ben.User.ID}}, nil)
			}},
			{"chat.member_role", "chat", func() int64 { return chat.ID }, func() {
				s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("%s/members/%d", c, ben.User.ID), owner.AccessToken, map[string]any{"role": "admin"}, nil)
			}},
			{"chat.member_remove", "chat", func() int64 { return chat.ID }, func() {
				s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("%s/members/%d", c, ben.User.ID), owner.AccessToken, nil, nil)
			}},
			{"message.delete", "message", func() int64 { return sent.Message.ID }, func() {
				s.MustDo(t, http.StatusOK, "DELETE", fmt.Sprintf("/api/v1/admin/chats/%d/messages/%d", chat.ID, sent.Message.ID), owner.AccessToken, nil, nil)
			}},
			{"chat.archive", "chat", func() int64 { return chat.ID }, func() {
				s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/admin/chats/%d/archive", chat.ID), owner.AccessToken, nil, nil)
			}},
			{"invite.create", "invite", func() int64 { return inv.ID }, func() {
				s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", owner.AccessToken, map[string]any{}, &inv)
			}},
			{"invite.revoke", "invite", func() int64 { return inv.ID }, func() {
				s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/invites/%d", inv.ID), owner.AccessToken, nil, nil)
			}},
			{"workspace.update", "workspace", func() int64 { return owner.User.WorkspaceID }, func() {
				s.MustDo(t, http.StatusOK, "PATCH", "/api/v1/workspace", owner.AccessToken, map[string]any{"members_can_invite": true}, nil)
			}},
		}
		var log struct {
			Entries []fechatter.AuditEntry
			HasMore bool `json:"has_more"`
		}
		s.MustDo(t, http.StatusOK, "GET", "/api/v1/admin/audit?limit=200", owner.AccessToken, nil, &log)
		seen := len(log.Entries) // Signup's invitations
		for _, st := range steps {
			st.do()
			s.MustDo(t, http.StatusOK, "GET", "/api/v1/admin/audit?limit=200", owner.AccessToken, nil, &log)
			if len(log.Entries) != seen+1 {
				var got []string
				for _, e := range log.Entries[:len(log.Entries)-seen] {
					got = append(got, e.Action)
				}
				t.Fatalf("after %s the log gained %v, want exactly one entry", st.action, got)
			}
			seen++
			e := log.Entries[0]
			if e.Action != st.action || e.TargetType != st.targetType || e.TargetID != st.targetID() ||
				e.ActorID != owner.User.ID || e.WorkspaceID != owner.User.WorkspaceID || e.CreatedAt.IsZero() {
				t.Fatalf("after %s the newest entry is %+v", st.action, e)
			}
		}
		// Paging walks the whole log once, newest first.
		var ids []int64
		for before := int64(0); ; {
			path := "/api/v1/admin/audit?limit=4"
			if before > 0 {
				path += fmt.Sprintf("&before=%d", before)
			}
			s.MustDo(t, http.StatusOK, "GET", path, owner.AccessToken, nil, &log)
			for _, e := range log.Entries {
				ids = append(ids, e.ID)
			}
			if !log.HasMore {
				break
			}
			before = log.Entries[len(log.Entries)-1].ID
		}
		if len(ids) != seen || !slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }) {
			t.Fatalf("paging gave ids %v, want %d newest first", ids, seen)
		}
		// Another workspace's owner sees none of it.
		var other ft.Account
		s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", signupBody(email("other"), map[string]any{"workspace": "acme"}), &other)
		s.MustDo(t, http.StatusOK, "GET", "/api/v1/admin/audit?limit=200", other.AccessToken, nil, &log)
		if len(log.Entries) != 0 {
			t.Fatalf("another workspace's audit log lists %+v", log.Entries)
		}
	})
}
