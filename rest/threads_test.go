package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

func TestThreadsChannelsReadsAndTopicsOverREST(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	var general fechatter.Chat
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "channel", "name": "general"}, &general)
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "channel", "name": "hidden", "private": true}, nil)
	var dir struct{ Channels []fechatter.ChannelInfo }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/channels?q=GEN", b.AccessToken, nil, &dir)
	if len(dir.Channels) != 1 || dir.Channels[0].ID != general.ID || dir.Channels[0].Joined {
		t.Fatalf("channels = %+v", dir.Channels)
	}
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/members", general.ID), b.AccessToken, map[string]any{"user_ids": []int64{b.User.ID}}, nil)
	s.MustDo(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/chats/%d", general.ID), a.AccessToken, map[string]any{"topic": "news"}, nil)
	s.MustDo(t, http.StatusForbidden, "PATCH", fmt.Sprintf("/api/v1/chats/%d", general.ID), b.AccessToken, map[string]any{"topic": "mine"}, nil)

	msgs := fmt.Sprintf("/api/v1/chats/%d/messages", general.ID)
	var root, reply struct{ Message fechatter.Message }
	s.MustDo(t, http.StatusCreated, "POST", msgs, a.AccessToken, map[string]any{"client_id": "4b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "root"}, &root)
	s.MustDo(t, http.StatusCreated, "POST", msgs, b.AccessToken, map[string]any{"client_id": "5b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c",
		"text": fmt.Sprintf("<@%d> in thread", a.User.ID), "thread_id": root.Message.ID}, &reply)
	if reply.Message.ThreadID != root.Message.ID || len(reply.Message.Mentions) != 1 {
		t.Fatalf("reply = %+v", reply.Message)
	}
	var thread struct{ Messages []fechatter.Message }
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("%s?thread_id=%d", msgs, root.Message.ID), a.AccessToken, nil, &thread)
	if len(thread.Messages) != 1 || thread.Messages[0].ID != reply.Message.ID {
		t.Fatalf("thread = %+v", thread)
	}
	var mine struct{ Threads []fechatter.ThreadSummary }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/threads", a.AccessToken, nil, &mine)
	if len(mine.Threads) != 1 || mine.Threads[0].Unread != 1 {
		t.Fatalf("ann's threads = %+v", mine)
	}
	s.MustDo(t, http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/chats/%d/threads/%d/read", general.ID, root.Message.ID), a.AccessToken, map[string]any{"seq": reply.Message.Seq}, nil)
	s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/chats/%d/threads/%d/follow", general.ID, root.Message.ID), a.AccessToken, nil, nil)
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/me/threads", a.AccessToken, nil, &mine)
	if len(mine.Threads) != 0 {
		t.Fatalf("after unfollow = %+v", mine)
	}
	var list struct{ Chats []fechatter.ChatSummary }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", a.AccessToken, nil, &list)
	if len(list.Chats) != 2 || list.Chats[0].MentionCount != 1 || list.Chats[0].Topic != "news" {
		t.Fatalf("ann's chats = %+v", list.Chats)
	}
	var read struct {
		LastReadSeq int64 `json:"last_read_seq"`
	}
	s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/read", general.ID), a.AccessToken, map[string]any{"seq": reply.Message.Seq}, &read)
	var reads struct{ Reads []fechatter.ReadPosition }
	s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/reads", general.ID), b.AccessToken, nil, &reads)
	if read.LastReadSeq != reply.Message.Seq || len(reads.Reads) != 2 || reads.Reads[0].LastReadSeq != reply.Message.Seq {
		t.Fatalf("reads = %+v (%d)", reads, read.LastReadSeq)
	}
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", a.AccessToken, nil, &list)
	if list.Chats[0].MentionCount != 0 {
		t.Fatalf("mention count after reading = %d", list.Chats[0].MentionCount)
	}
	s.MustDo(t, http.StatusBadRequest, "POST", msgs, b.AccessToken, map[string]any{"client_id": "6b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a5c", "text": "x", "thread_id": 999}, nil)
	s.MustDo(t, http.StatusNotFound, "POST", "/api/v1/chats/999/read", a.AccessToken, map[string]any{"seq": 1}, nil)
}
