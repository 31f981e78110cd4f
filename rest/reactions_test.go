package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

func TestReactionsPinsAndSavedOverREST(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	x := s.Signup(t, email("xan"), "other")
	chat := s.CreateChat(t, a, fechatter.ChatDirect, "", b.User.ID)
	var sent struct{ Message fechatter.Message }
	s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), a.AccessToken,
		map[string]any{"client_id": "3b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "hello"}, &sent)
	reactions := fmt.Sprintf("/api/v1/chats/%d/messages/%d/reactions", chat.ID, sent.Message.ID)
	var got struct {
		Message fechatter.Message
		Changed bool
	}
	s.MustDo(t, http.StatusOK, "POST", reactions, b.AccessToken, map[string]any{"emoji": "❤️"}, &got)
	if !got.Changed || len(got.Message.Reactions) != 1 || got.Message.Reactions[0].UserIDs[0] != b.User.ID {
		t.Fatalf("react = %+v", got)
	}
	s.MustDo(t, http.StatusOK, "POST", reactions, b.AccessToken, map[string]any{"emoji": "❤️"}, &got)
	if got.Changed {
		t.Fatal("the same reaction twice changed something")
	}
	s.MustDo(t, http.StatusBadRequest, "POST", reactions, b.AccessToken, map[string]any{"emoji": "<b>"}, nil)
	s.MustDo(t, http.StatusNotFound, "POST", reactions, x.AccessToken, map[string]any{"emoji": "❤️"}, nil)
	got.Message = fechatter.Message{}
	s.MustDo(t, http.StatusOK, "DELETE", reactions+"?emoji="+url.QueryEscape("❤️"), b.AccessToken, nil, &got)
	if !got.Changed || len(got.Message.Reactions) != 0 {
		t.Fatalf("unreact = %+v", got)
	}

	pin := fmt.Sprintf("/api/v1/chats/%d/pins/%d", chat.ID, sent.Message.ID)
	s.MustDo(t, http.StatusOK, "PUT", pin, b.AccessToken, nil, &got)
	var pins struct{ Messages []fechatter.Message }
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/pins", chat.ID), a.AccessToken, nil, &pins)
	if len(pins.Messages) != 1 || !pins.Messages[0].Pinned {
		t.Fatalf("pins = %+v", pins)
	}
	s.MustDo(t, http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/chats/%d/pins", chat.ID), x.AccessToken, nil, nil)

	s.MustDo(t, http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/me/saved/%d", sent.Message.ID), a.AccessToken, nil, nil)
	s.MustDo(t, http.StatusNotFound, "PUT", fmt.Sprintf("/api/v1/me/saved/%d", sent.Message.ID), x.AccessToken, nil, nil)
	var saved struct{ Messages []fechatter.Message }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/saved", a.AccessToken, nil, &saved)
	if len(saved.Messages) != 1 || saved.Messages[0].ID != sent.Message.ID {
		t.Fatalf("saved = %+v", saved)
	}
	s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/me/saved/%d", sent.Message.ID), a.AccessToken, nil, nil)
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/saved", a.AccessToken, nil, &saved)
	if len(saved.Messages) != 0 {
		t.Fatalf("saved after unsave = %+v", saved)
	}
}
