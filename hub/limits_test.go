package hub_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// replyTo waits for the ack or error answering the frame with ref.
func replyTo(t *testing.T, c *ft.Conn, ref string) ft.Event {
	t.Helper()
	return c.WaitFor(wait, func(e ft.Event) bool {
		return (e.Type == "ack" || e.Type == "error") && string(e.Ref) == strconv.Quote(ref)
	})
}

// One user's sends over sockets on two nodes and over REST meet one limit, shared through
// Redis; nothing refused is stored.
func TestSendLimitIsPerUserAcrossNodesAndREST(t *testing.T) {
	url, prefix := ft.SharedRedis(t)
	tune := func(c *node.Config) { c.RedisPrefix, c.SendRate, c.SendBurst = prefix, 0.001, 6 }
	n1 := ft.Start(t, ft.Options{Postgres: true, NATSURL: ft.NATSURL(), RedisURL: url, Tune: tune})
	n2 := ft.Start(t, ft.Options{DatabaseURL: n1.Cfg.DatabaseURL, NATSURL: ft.NATSURL(), NATSPrefix: n1.Cfg.NATSPrefix,
		JWTSecret: n1.Cfg.JWTSecret, RedisURL: url, Tune: tune})
	ws := fmt.Sprintf("limits-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n2.Signup(t, email("bob"), ws)
	chat := n1.CreateChat(t, alice, fechatter.ChatDirect, "", bob.User.ID)
	a1, a2 := n1.Dial(t, alice.AccessToken), n2.Dial(t, alice.AccessToken)
	a1.Ready()
	a2.Ready()

	accepted, refused := map[string]bool{}, map[string]bool{}
	record := func(id string, ok bool) {
		if ok {
			accepted[id] = true
		} else {
			refused[id] = true
		}
	}
	for i := 0; i < 4; i++ {
		for j, c := range []*ft.Conn{a1, a2} {
			id, ref := newUUID(), fmt.Sprintf("n%d-%d", j+1, i)
			c.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": id, "text": ref, "ref": ref})
			e := replyTo(t, c, ref)
			if e.Type == "error" && e.Code != fechatter.ERateLimited {
				t.Fatalf("send %s: %s", ref, e.Raw)
			}
			record(id, e.Type == "ack")
		}
		id := newUUID()
		code, raw := n2.Do(t, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), alice.AccessToken,
			map[string]any{"client_id": id, "text": fmt.Sprint("rest-", i)}, nil)
		if code != http.StatusCreated && code != http.StatusTooManyRequests {
			t.Fatalf("REST send %d: %d %s", i, code, raw)
		}
		record(id, code == http.StatusCreated)
	}
	if len(accepted) != 6 || len(refused) != 6 {
		t.Fatalf("%d sends accepted and %d refused, want 6 and 6 (one limit for both nodes and REST)", len(accepted), len(refused))
	}
	history := n1.History(t, bob, chat.ID)
	if len(history) != 6 {
		t.Fatalf("history holds %d messages, want the 6 accepted", len(history))
	}
	for _, m := range history {
		if !accepted[m.ClientID] {
			t.Fatalf("a refused send was stored: %+v", m)
		}
	}
	// The limit is alice's own: bob still sends.
	b := n2.Dial(t, bob.AccessToken)
	b.Ready()
	b.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": newUUID(), "text": "hi", "ref": "bob"})
	if e := replyTo(t, b, "bob"); e.Type != "ack" {
		t.Fatalf("bob's send: %s", e.Raw)
	}
}

// Frames that are not even JSON count toward the frame limit: a flood of them gets
// rate_limited errors, then close 4009.
func TestMalformedFramesCountTowardTheFrameLimit(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.FrameRate = 1 }}) // burst 2; 4009 after 8 refusals in a row
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	garbage := []byte(`{not json`)
	codes := map[string]int{}
	for i := 0; i < 6; i++ { // one at a time, reading each answer
		a.SendRaw(garbage)
		codes[a.WaitFor(wait, ft.Type("error")).Code]++
	}
	if codes[fechatter.ERateLimited] == 0 || codes[fechatter.EInvalid] > 3 {
		t.Fatalf("answers to 6 garbage frames: %v; want rate_limited after the burst of 2", codes)
	}
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	for i := 0; i < 50; i++ {
		if a.C.Write(ctx, websocket.MessageText, garbage) != nil {
			break // closed by the server
		}
	}
	if code := a.Closed(wait); code != 4009 {
		t.Fatalf("a flood of garbage closed with %d, want 4009", code)
	}
}

// With Redis unreachable the limits still hold, per node, and chat keeps working.
func TestLimitsHoldWhileRedisIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + ln.Addr().String() + "/0"
	ln.Close()
	p := newPair(t, ft.Options{RedisURL: closed, Tune: func(c *node.Config) {
		c.SendRate, c.SendBurst, c.AuthPerMinute = 0.001, 3, 2 // newPair's two signups use the auth limit up
	}})
	if code, _ := p.s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "x@example.com", "password": "whatever1"}, nil); code != http.StatusTooManyRequests {
		t.Fatalf("3rd auth request with Redis down: %d, want 429", code)
	}
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	for i := 0; i < 4; i++ {
		ref := fmt.Sprint("s", i)
		a.Send(map[string]any{"type": "send", "chat_id": p.chat.ID, "client_id": newUUID(), "text": ref, "ref": ref})
		e := replyTo(t, a, ref)
		if want := i < 3; (e.Type == "ack") != want || !want && e.Code != fechatter.ERateLimited {
			t.Fatalf("send %d with Redis down: %s", i, e.Raw)
		}
	}
	for i := 0; i < 3; i++ {
		if e := b.WaitFor(wait, isMessage(p.chat.ID)); e.Message.Text != fmt.Sprint("s", i) {
			t.Fatalf("bob got %s", e.Raw)
		}
	}
	resp, err := http.Get(p.s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, re := range []string{`fechatter_ratelimit_redis_outages_total 1\n`, `fechatter_ratelimit_fallbacks_total [1-9]`,
		`fechatter_rate_limited_total\{limit="send"\} 1\n`, `fechatter_rate_limited_total\{limit="auth"\} 1\n`} {
		if !regexp.MustCompile(re).Match(body) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
}
