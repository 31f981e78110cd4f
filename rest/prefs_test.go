package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

func TestPreferencesFollowTheUser(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	dm := s.CreateChat(t, a, fechatter.ChatDirect, "", b.User.ID)

	var p fechatter.Preferences
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/preferences", a.AccessToken, nil, &p)
	if p.Notify != fechatter.NotifyMentions || p.Sound || p.DNDUntil != nil || p.Chats == nil || len(p.Chats) != 0 {
		t.Fatalf("defaults = %+v", p)
	}
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	s.MustDo(t, http.StatusOK, "PATCH", "/api/v1/me/preferences", a.AccessToken, map[string]any{"sound": true, "dnd_until": until}, &p)
	if !p.Sound || p.DNDUntil == nil || !p.DNDUntil.Equal(until) || p.Notify != fechatter.NotifyMentions {
		t.Fatalf("after PATCH = %+v", p)
	}
	s.MustDo(t, http.StatusOK, "PATCH", "/api/v1/me/preferences", a.AccessToken, map[string]any{"dnd_until": nil, "notify": "all"}, &p)
	if p.DNDUntil != nil || p.Notify != fechatter.NotifyAll || !p.Sound {
		t.Fatalf("after clearing dnd = %+v", p)
	}

	var c fechatter.ChatPreference
	path := fmt.Sprintf("/api/v1/chats/%d/preferences", dm.ID)
	s.MustDo(t, http.StatusOK, "PATCH", path, a.AccessToken, map[string]any{"muted": true, "starred": true}, &c)
	if !c.Muted || !c.Starred || c.ChatID != dm.ID {
		t.Fatalf("chat preference = %+v", c)
	}
	// another login of the same user (another device) reads the same
	var login ft.Account
	s.MustDo(t, http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]string{"email": a.User.Email, "password": "correct horse battery"}, &login)
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/preferences", login.AccessToken, nil, &p)
	if len(p.Chats) != 1 || p.Chats[0] != c {
		t.Fatalf("on another device = %+v", p)
	}

	x := s.Signup(t, email("xan"), "acme")
	for _, tc := range []struct {
		method, path, token string
		body                any
		status              int
		mention             string
	}{
		{"PATCH", "/api/v1/me/preferences", a.AccessToken, map[string]any{"notify": "loud"}, 400, "notify"},
		{"PATCH", "/api/v1/me/preferences", a.AccessToken, map[string]any{"dnd_until": "tomorrow"}, 400, "dnd_until"},
		{"PATCH", path, a.AccessToken, map[string]any{"notify": "loud"}, 400, "notify"},
		{"PATCH", path, x.AccessToken, map[string]any{"muted": true}, 404, "chat"},
		{"GET", "/api/v1/me/preferences", "", nil, 401, "token"},
	} {
		code, raw := s.Do(t, tc.method, tc.path, tc.token, tc.body, nil)
		if code != tc.status || !strings.Contains(string(raw), tc.mention) {
			t.Errorf("%s %s %v: %d %s; want %d mentioning %q", tc.method, tc.path, tc.body, code, raw, tc.status, tc.mention)
		}
		errCode(t, raw)
	}
}

func TestChannelNameTakenIs409(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	general := s.CreateChat(t, a, fechatter.ChatChannel, "General")
	code, raw := s.Do(t, "POST", "/api/v1/chats", b.AccessToken, map[string]any{"kind": "channel", "name": " general "}, nil)
	if code != http.StatusConflict || errCode(t, raw) != fechatter.EConflict || !strings.Contains(string(raw), "already exists") {
		t.Fatalf("a second general: %d %s", code, raw)
	}
	random := s.CreateChat(t, a, fechatter.ChatChannel, "random")
	code, raw = s.Do(t, "PATCH", fmt.Sprintf("/api/v1/chats/%d", random.ID), a.AccessToken, map[string]any{"name": "GENERAL"}, nil)
	if code != http.StatusConflict || errCode(t, raw) != fechatter.EConflict {
		t.Fatalf("renaming random to GENERAL: %d %s", code, raw)
	}
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/chats/%d", general.ID), a.AccessToken, map[string]any{"name": "general"}, nil)
}

func TestMessagesAround(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	ch := s.CreateChat(t, a, fechatter.ChatChannel, "long")
	conn := s.Dial(t, a.AccessToken)
	conn.Ready()
	// messages take seq 1..30
	for i := 1; i <= 30; i++ {
		conn.Send(map[string]any{"type": "send", "chat_id": ch.ID, "client_id": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "text": fmt.Sprint("m", i)})
		conn.WaitFor(ft.Wait, ft.Type("ack"))
	}
	var page struct {
		Messages []fechatter.Message
		HasMore  bool `json:"has_more"`
		HasNewer bool `json:"has_newer"`
	}
	path := fmt.Sprintf("/api/v1/chats/%d/messages", ch.ID)
	s.MustDo(t, http.StatusOK, "GET", path+"?around=15&limit=6", a.AccessToken, nil, &page)
	if len(page.Messages) != 6 || page.Messages[0].Seq != 13 || page.Messages[2].Seq != 15 || page.Messages[5].Seq != 18 || !page.HasMore || !page.HasNewer {
		t.Fatalf("around 15 = %+v", page)
	}
	s.MustDo(t, http.StatusOK, "GET", path+"?around=30&limit=10", a.AccessToken, nil, &page)
	if len(page.Messages) != 5 || page.Messages[4].Seq != 30 || page.HasNewer || !page.HasMore {
		t.Fatalf("around 30 = %+v", page)
	}
	s.MustDo(t, http.StatusBadRequest, "GET", path+"?around=5&before=9", a.AccessToken, nil, nil)
	s.MustDo(t, http.StatusBadRequest, "GET", path+"?around=0", a.AccessToken, nil, nil)
}
