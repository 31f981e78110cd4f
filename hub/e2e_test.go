package hub_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

const wait = ft.Wait

// backends runs fn on the embedded default and on PostgreSQL with the external NATS.
func backends(t *testing.T, fn func(t *testing.T, opts ft.Options)) {
	t.Run("sqlite+embedded", func(t *testing.T) { fn(t, ft.Options{}) })
	t.Run("postgres+nats", func(t *testing.T) {
		fn(t, ft.Options{Postgres: true, NATSURL: ft.NATSURL()})
	})
}

var seq atomic.Int64

func email(name string) string { return fmt.Sprintf("%s-%d@example.com", name, seq.Add(1)) }

var uuidN atomic.Int64

func newUUID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", uuidN.Add(1))
}

type pair struct {
	s          *ft.Server
	workspace  string
	alice, bob ft.Account
	chat       fechatter.Chat
}

func newPair(t *testing.T, opts ft.Options) pair {
	t.Helper()
	s := ft.Start(t, opts)
	ws := fmt.Sprintf("ws-%d", seq.Add(1))
	alice := s.Signup(t, email("alice"), ws)
	bob := s.Signup(t, email("bob"), ws)
	chat := s.CreateChat(t, alice, fechatter.ChatDirect, "", bob.User.ID)
	return pair{s: s, workspace: ws, alice: alice, bob: bob, chat: chat}
}

func sendFrame(chatID int64, text string) map[string]any {
	return map[string]any{"type": "send", "chat_id": chatID, "client_id": newUUID(), "text": text, "ref": text}
}

func isMessage(chatID int64) func(ft.Event) bool {
	return func(e ft.Event) bool { return e.Type == "message" && e.Message.ChatID == chatID }
}

func TestTwoUsersChatBothWays(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		a := p.s.Dial(t, p.alice.AccessToken)
		b := p.s.Dial(t, p.bob.AccessToken)
		ready := a.Ready()
		if ready.User.ID != p.alice.User.ID || len(ready.Chats) != 1 || ready.Chats[0].ID != p.chat.ID {
			t.Fatalf("ready = %+v", ready)
		}
		b.Ready()

		a.Send(sendFrame(p.chat.ID, "hi bob"))
		ack := a.WaitFor(wait, ft.Type("ack"))
		if string(ack.Ref) != `"hi bob"` || ack.Message.Seq != 1 || ack.Message.SenderID != p.alice.User.ID {
			t.Fatalf("ack = %s", ack.Raw)
		}
		got := b.WaitFor(wait, isMessage(p.chat.ID))
		if got.Message.Text != "hi bob" || got.Seq != 1 || got.Message.ID != ack.Message.ID {
			t.Fatalf("bob got %s", got.Raw)
		}

		b.Send(sendFrame(p.chat.ID, "hi alice"))
		got = a.WaitFor(wait, func(e ft.Event) bool { return isMessage(p.chat.ID)(e) && e.Message.Text == "hi alice" })
		if got.Seq != 2 || got.Message.SenderID != p.bob.User.ID {
			t.Fatalf("alice got %s", got.Raw)
		}
	})
}

func TestResendSameClientIDStoresOneRow(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		a := p.s.Dial(t, p.alice.AccessToken)
		a.Ready()
		f := sendFrame(p.chat.ID, "once")
		a.Send(f)
		first := a.WaitFor(wait, ft.Type("ack"))
		a.Send(f)
		second := a.WaitFor(wait, ft.Type("ack"))
		if first.Message.ID != second.Message.ID || first.Message.Seq != second.Message.Seq {
			t.Fatalf("resend got a different message: %s vs %s", first.Raw, second.Raw)
		}
		if h := p.s.History(t, p.alice, p.chat.ID); len(h) != 1 {
			t.Fatalf("history has %d rows, want 1", len(h))
		}
	})
}

func TestResumeReplaysExactlyWhatWasMissed(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		a := p.s.Dial(t, p.alice.AccessToken)
		a.Ready()
		b := p.s.Dial(t, p.bob.AccessToken)
		b.Ready()
		a.Send(sendFrame(p.chat.ID, "m1"))
		a.WaitFor(wait, ft.Type("ack"))
		last := b.WaitFor(wait, isMessage(p.chat.ID)).Seq
		b.C.CloseNow()

		for i := 2; i <= 6; i++ {
			a.Send(sendFrame(p.chat.ID, fmt.Sprintf("m%d", i)))
			a.WaitFor(wait, ft.Type("ack"))
		}
		// Browser-style auth frame carrying the resume map.
		b2 := p.s.DialWith(t, ft.DialOptions{})
		b2.Send(map[string]any{"type": "auth", "token": p.bob.AccessToken,
			"resume": map[string]int64{fmt.Sprint(p.chat.ID): last}})
		r := b2.Ready()
		if r.Chats[0].LastSeq != 6 {
			t.Fatalf("ready last_seq = %d, want 6", r.Chats[0].LastSeq)
		}
		for want := int64(2); want <= 6; want++ {
			e := b2.WaitFor(wait, isMessage(p.chat.ID))
			if e.Seq != want || e.Message.Text != fmt.Sprintf("m%d", want) {
				t.Fatalf("replayed %s, want seq %d", e.Raw, want)
			}
		}
		a.Send(sendFrame(p.chat.ID, "m7"))
		if e := b2.WaitFor(wait, isMessage(p.chat.ID)); e.Seq != 7 {
			t.Fatalf("after replay got %s, want seq 7 (no duplicates)", e.Raw)
		}

		// A resume frame on a live connection rewinds and replays again.
		b2.Send(map[string]any{"type": "resume", "chats": map[string]int64{fmt.Sprint(p.chat.ID): 5}})
		for want := int64(6); want <= 7; want++ {
			if e := b2.WaitFor(wait, isMessage(p.chat.ID)); e.Seq != want {
				t.Fatalf("resume frame replayed %s, want seq %d", e.Raw, want)
			}
		}
	})
}

func TestKilledConnectionLosesNothingAcked(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		b := p.s.Dial(t, p.bob.AccessToken)
		b.Ready()
		a := p.s.Dial(t, p.alice.AccessToken)
		a.Ready()

		const total = 40
		acked := map[int64]string{}
		received := map[int64]int{}
		var order []int64
		record := func(e ft.Event) {
			if e.Type == "message" && e.Message.ChatID == p.chat.ID {
				received[e.Seq]++
				order = append(order, e.Seq)
			}
		}
		for i := 1; i <= total; i++ {
			a.Send(sendFrame(p.chat.ID, fmt.Sprintf("n%d", i)))
			ack := a.WaitFor(wait, ft.Type("ack"))
			acked[ack.Message.Seq] = ack.Message.Text
			if i == total/2 {
				// Kill bob's socket mid-stream; keep what it had received.
				for _, e := range b.Drain() {
					record(e)
				}
				b.C.CloseNow()
			}
		}
		var last int64
		for _, s := range order {
			last = max(last, s)
		}
		b2 := p.s.DialWith(t, ft.DialOptions{})
		b2.Send(map[string]any{"type": "auth", "token": p.bob.AccessToken,
			"resume": map[string]int64{fmt.Sprint(p.chat.ID): last}})
		b2.Ready()
		for int64(len(received)) < total {
			record(b2.WaitFor(wait, isMessage(p.chat.ID)))
		}
		for s := range acked {
			if received[s] != 1 {
				t.Fatalf("acked seq %d received %d times", s, received[s])
			}
		}
		for i := 1; i < len(order); i++ {
			if order[i] != order[i-1]+1 {
				t.Fatalf("out of order at %d: %v", i, order)
			}
		}
	})
}

func TestStrangerLearnsNothing(t *testing.T) {
	p := newPair(t, ft.Options{})
	carol := p.s.Signup(t, email("carol"), "elsewhere")
	c := p.s.Dial(t, carol.AccessToken)
	c.Ready()
	c.Send(sendFrame(p.chat.ID, "let me in"))
	if e := c.WaitFor(wait, ft.Type("error")); e.Code != fechatter.ENotFound || string(e.Ref) != `"let me in"` {
		t.Fatalf("stranger got %s", e.Raw)
	}
	c.Send(sendFrame(999999, "nowhere"))
	if e := c.WaitFor(wait, ft.Type("error")); e.Code != fechatter.ENotFound {
		t.Fatalf("unknown chat got %s", e.Raw)
	}
	// Over REST a chat of another workspace does not exist for carol.
	p.s.MustDo(t, http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/chats/%d/messages", p.chat.ID), carol.AccessToken, nil, nil)
}

func TestBadFramesGetClearErrors(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	long := strings.Repeat("é", fechatter.MaxTextRunes+1)
	cases := []struct {
		frame string
		code  string
		in    string // part of the message
	}{
		{`{not json`, fechatter.EInvalid, "JSON"},
		{`{"type":"dance"}`, fechatter.EInvalid, "dance"},
		{`{"chat_id":1}`, fechatter.EInvalid, "type"},
		{fmt.Sprintf(`{"type":"send","chat_id":"x","client_id":"%s","text":"a"}`, newUUID()), fechatter.EInvalid, "chat_id"},
		{fmt.Sprintf(`{"type":"send","chat_id":%d,"client_id":"nope","text":"a"}`, p.chat.ID), fechatter.EInvalid, "client_id"},
		{fmt.Sprintf(`{"type":"send","chat_id":%d,"client_id":"%s","text":"   "}`, p.chat.ID, newUUID()), fechatter.EInvalid, "empty"},
		{fmt.Sprintf(`{"type":"send","chat_id":%d,"client_id":"%s"}`, p.chat.ID, newUUID()), fechatter.EInvalid, "text"},
		{fmt.Sprintf(`{"type":"send","chat_id":%d,"client_id":"%s","text":"%s"}`, p.chat.ID, newUUID(), long), fechatter.ETooLarge, "4000"},
		{fmt.Sprintf(`{"type":"edit","chat_id":%d,"text":"x"}`, p.chat.ID), fechatter.EInvalid, "message_id"},
		{`{"type":"resume","chats":{"abc":1}}`, fechatter.EInvalid, "abc"},
	}
	for _, tc := range cases {
		a.SendRaw([]byte(tc.frame))
		e := a.WaitFor(wait, ft.Type("error"))
		if e.Code != tc.code || !strings.Contains(e.Text, tc.in) {
			t.Errorf("frame %.60s: got %s, want code %s mentioning %q", tc.frame, e.Raw, tc.code, tc.in)
		}
	}
	// Still usable afterwards.
	a.Send(sendFrame(p.chat.ID, "still here"))
	a.WaitFor(wait, ft.Type("ack"))
	a.Send(map[string]any{"type": "ping", "ref": 7})
	if e := a.WaitFor(wait, ft.Type("pong")); string(e.Ref) != "7" {
		t.Fatalf("pong = %s", e.Raw)
	}

	// Over the read limit: 1009.
	a.SendRaw([]byte(`{"type":"ping","pad":"` + strings.Repeat("x", 64<<10) + `"}`))
	if code := a.Closed(wait); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame closed with %d, want 1009", code)
	}
}

func TestUnauthorizedSocketsAreClosed4001(t *testing.T) {
	p := newPair(t, ft.Options{})
	if code := p.s.Dial(t, "garbage").Closed(wait); code != 4001 {
		t.Fatalf("bad header token: close %d, want 4001", code)
	}
	c := p.s.DialWith(t, ft.DialOptions{})
	c.Send(map[string]any{"type": "send", "chat_id": 1})
	if code := c.Closed(wait); code != 4001 {
		t.Fatalf("first frame not auth: close %d, want 4001", code)
	}
	c = p.s.DialWith(t, ft.DialOptions{})
	c.Send(map[string]any{"type": "auth", "token": p.alice.AccessToken + "x"})
	if code := c.Closed(wait); code != 4001 {
		t.Fatalf("tampered token: close %d, want 4001", code)
	}
}

func TestForeignOriginIsRejected(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	req, _ := http.NewRequest("GET", s.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: status %d, want 403", resp.StatusCode)
	}
}

func TestEditAndDeleteAreTimelineEvents(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	a.Send(sendFrame(p.chat.ID, "typo"))
	msg := a.WaitFor(wait, ft.Type("ack")).Message

	b.Send(map[string]any{"type": "edit", "chat_id": p.chat.ID, "message_id": msg.ID, "text": "hijack"})
	if e := b.WaitFor(wait, ft.Type("error")); e.Code != fechatter.EForbidden {
		t.Fatalf("bob editing alice's message: %s", e.Raw)
	}
	a.Send(map[string]any{"type": "edit", "chat_id": p.chat.ID, "message_id": msg.ID, "text": "fixed"})
	e := b.WaitFor(wait, ft.Type("message_edited"))
	if e.Seq != 2 || e.Message.Text != "fixed" || e.Message.EditedAt == nil {
		t.Fatalf("edit event = %s", e.Raw)
	}
	a.Send(map[string]any{"type": "delete", "chat_id": p.chat.ID, "message_id": msg.ID})
	e = b.WaitFor(wait, ft.Type("message_deleted"))
	if e.Seq != 3 || e.MessageID != msg.ID || e.ChatID != p.chat.ID {
		t.Fatalf("delete event = %s", e.Raw)
	}
}

func TestMembershipChangesReachOpenSockets(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		p := newPair(t, opts)
		carol := p.s.Signup(t, email("carol"), p.workspace)
		group := p.s.CreateChat(t, p.alice, fechatter.ChatGroup, "team", p.bob.User.ID)
		c := p.s.Dial(t, carol.AccessToken)
		if r := c.Ready(); len(r.Chats) != 0 {
			t.Fatalf("carol starts in %d chats", len(r.Chats))
		}
		b := p.s.Dial(t, p.bob.AccessToken)
		b.Ready()
		a := p.s.Dial(t, p.alice.AccessToken)
		a.Ready()

		p.s.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/members", group.ID), p.alice.AccessToken,
			map[string]any{"user_ids": []int64{carol.User.ID}}, nil)
		if e := c.WaitFor(wait, ft.Type("chat_joined")); e.Chat.ID != group.ID {
			t.Fatalf("chat_joined = %s", e.Raw)
		}
		a.Send(sendFrame(group.ID, "welcome carol"))
		if e := c.WaitFor(wait, isMessage(group.ID)); e.Message.Text != "welcome carol" {
			t.Fatalf("carol got %s", e.Raw)
		}

		p.s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", group.ID, carol.User.ID), p.alice.AccessToken, nil, nil)
		if e := c.WaitFor(wait, ft.Type("chat_left")); e.ChatID != group.ID {
			t.Fatalf("chat_left = %s", e.Raw)
		}
		a.Send(sendFrame(group.ID, "secret 1"))
		a.Send(sendFrame(group.ID, "secret 2"))
		b.WaitFor(wait, func(e ft.Event) bool { return isMessage(group.ID)(e) && e.Message.Text == "secret 2" })
		c.Send(map[string]any{"type": "ping"})
		for {
			e := c.Next(wait)
			if e.Type == "pong" {
				break
			}
			if e.Type == "message" {
				t.Fatalf("carol received %s after leaving", e.Raw)
			}
		}
		c.Send(sendFrame(group.ID, "can I still talk?"))
		if e := c.WaitFor(wait, ft.Type("error")); e.Code != fechatter.ENotFound {
			t.Fatalf("send after leaving: %s", e.Raw)
		}
	})
}

func TestShutdownClosesWith1012(t *testing.T) {
	p := newPair(t, ft.Options{})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	go p.s.Shutdown(t.Context())
	if code := a.Closed(wait); code != websocket.StatusServiceRestart {
		t.Fatalf("shutdown closed with %d, want 1012", code)
	}
}
