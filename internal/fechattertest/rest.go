package fechattertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/fechatter/fechatter"
)

// Account is a signed-up user with their tokens.
type Account struct {
	User         fechatter.User `json:"user"`
	AccessToken  string         `json:"access_token"`
	RefreshToken string         `json:"refresh_token"`
	ExpiresIn    int64          `json:"expires_in"`
}

// Do sends a JSON request and decodes a JSON answer into out (when not nil). It returns the
// status and the raw body.
func (s *Server) Do(t testing.TB, method, path, token string, body, out any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte: // sent as is, to test broken bodies
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, raw
}

// MustDo is Do that fails the test unless the status is want.
func (s *Server) MustDo(t testing.TB, want int, method, path, token string, body, out any) {
	t.Helper()
	if got, raw := s.Do(t, method, path, token, body, out); got != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, want, raw)
	}
}

// Signup creates a user in workspace.
//
// The first signup naming a workspace creates it; later ones join it through an invitation
// its owner makes, as people do. Nodes sharing one database share their workspaces.
func (s *Server) Signup(t testing.TB, email, workspace string) Account {
	t.Helper()
	body := map[string]string{"email": email, "password": "correct horse battery", "fullname": "User " + email}
	key := s.dbKey() + "\x00" + workspace
	owners.Lock()
	owner, ok := owners.m[key]
	owners.Unlock()
	if ok {
		body["invite"] = s.Invite(t, owner, "member")
	} else {
		body["workspace"] = workspace
	}
	var a Account
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/auth/signup", "", body, &a)
	if !ok {
		owners.Lock()
		owners.m[key] = a
		owners.Unlock()
	}
	return a
}

// Login starts a new session of the account with that email (Signup's password).
func (s *Server) Login(t testing.TB, email string) Account {
	t.Helper()
	var a Account
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": "correct horse battery"}, &a)
	return a
}

// Invite returns the token of a one-use invitation made by a with role.
func (s *Server) Invite(t testing.TB, a Account, role fechatter.Role) string {
	t.Helper()
	var inv struct {
		Token string `json:"token"`
	}
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/invites", a.AccessToken, map[string]any{"role": role, "max_uses": 1}, &inv)
	return inv.Token
}

// owners remembers each workspace's first account, by database and name, for Signup.
var owners = struct {
	sync.Mutex
	m map[string]Account
}{m: map[string]Account{}}

func (s *Server) dbKey() string {
	if s.Cfg.DatabaseURL != "" {
		return s.Cfg.DatabaseURL
	}
	return s.Cfg.DataDir
}

// CreateChat creates a chat as the account and returns it.
func (s *Server) CreateChat(t testing.TB, a Account, kind fechatter.ChatKind, name string, members ...int64) fechatter.Chat {
	t.Helper()
	var c fechatter.Chat
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{
		"kind": kind, "name": name, "member_ids": members,
	}, &c)
	return c
}

// History returns every message of a chat, oldest first, by paging forward.
func (s *Server) History(t testing.TB, a Account, chatID int64) []fechatter.Message {
	t.Helper()
	var all []fechatter.Message
	after := int64(0)
	for {
		var page struct {
			Messages []fechatter.Message `json:"messages"`
			HasMore  bool                `json:"has_more"`
		}
		s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/messages?after=%d&limit=200", chatID, after), a.AccessToken, nil, &page)
		all = append(all, page.Messages...)
		if !page.HasMore || len(page.Messages) == 0 {
			return all
		}
		after = page.Messages[len(page.Messages)-1].Seq
	}
}
