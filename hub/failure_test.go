package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func readyz(t *testing.T, s *ft.Server) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// With NATS down, sends still commit and ack, /readyz says so, and once NATS is back the
// other node's clients recover the gap in order.
func TestNATSOutageLosesNothingAcked(t *testing.T) {
	ns := ft.StartNATSServer(t)
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	n1 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ns.URL, NATSPrefix: prefix, JWTSecret: secret})
	n2 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ns.URL, NATSPrefix: prefix, JWTSecret: secret})
	ws := fmt.Sprintf("outage-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n1.Signup(t, email("bob"), ws)
	chat := n1.CreateChat(t, alice, fechatter.ChatDirect, "", bob.User.ID)
	a := n1.Dial(t, alice.AccessToken)
	a.Ready()
	b := n2.Dial(t, bob.AccessToken)
	b.Ready()
	a.Send(sendFrame(chat.ID, "before"))
	a.WaitFor(wait, ft.Type("ack"))
	b.WaitFor(wait, isMessage(chat.ID))

	ns.Stop()
	ft.CheckFor(t, wait, "readyz to report NATS down and the store up", func() bool {
		code, body := readyz(t, n1)
		return code == http.StatusServiceUnavailable && body["nats"] == "down" && body["store"] == "ok"
	})
	for i := 1; i <= 3; i++ {
		a.Send(sendFrame(chat.ID, fmt.Sprint("during ", i)))
		if e := a.WaitFor(wait, ft.Type("ack")); e.Message.Seq != int64(i+1) {
			t.Fatalf("ack during outage = %s", e.Raw)
		}
	}

	ns.Start()
	ft.CheckFor(t, wait, "both nodes ready after NATS came back", func() bool {
		c1, _ := readyz(t, n1)
		c2, _ := readyz(t, n2)
		return c1 == http.StatusOK && c2 == http.StatusOK
	})
	// The next live event reveals the gap; bob's node replays it from the store first.
	a.Send(sendFrame(chat.ID, "after"))
	for want := int64(2); want <= 5; want++ {
		if e := b.WaitFor(wait, isMessage(chat.ID)); e.Seq != want {
			t.Fatalf("bob got seq %d, want %d", e.Seq, want)
		}
	}
}

// A socket that stops answering pings is reaped.
func TestDeadSocketsAreReaped(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) {
		c.PingInterval, c.WriteTimeout = 50*time.Millisecond, 200*time.Millisecond
	}})
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	h := http.Header{"Authorization": {"Bearer " + p.alice.AccessToken}}
	c, _, err := websocket.Dial(ctx, p.s.WSURL, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil { // ready; from now on nobody reads, so no pongs
		t.Fatal(err)
	}
	ft.CheckFor(t, wait, "the silent socket reaped (no pong)", func() bool {
		resp, err := http.Get(p.s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return strings.Contains(string(body), `fechatter_server_disconnects_total{reason="no pong"} 1`) &&
			strings.Contains(string(body), `fechatter_pings_total{outcome="unanswered"} 1`)
	})
}

// With Redis gone, presence degrades to the node's own view and everything else goes on:
// connections open, sends are acked and delivered, readiness does not depend on presence.
func TestRedisOutageLeavesChatWorking(t *testing.T) {
	rs := ft.StartRedisServer(t)
	p := newPair(t, ft.Options{RedisURL: rs.URL})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	rs.Kill()
	b := p.s.Dial(t, p.bob.AccessToken) // presence Connect fails; the connection does not
	b.Ready()
	a.WaitFor(wait, isPresence(p.bob.User.ID, true)) // announced from this node's own view
	a.Send(sendFrame(p.chat.ID, "redis is down"))
	if e := a.WaitFor(wait, ft.Type("ack")); e.Message.Seq != 1 {
		t.Fatalf("ack = %s", e.Raw)
	}
	if e := b.WaitFor(wait, isMessage(p.chat.ID)); e.Message.Text != "redis is down" {
		t.Fatalf("bob got %s", e.Raw)
	}
	if code, body := readyz(t, p.s); code != http.StatusOK {
		t.Fatalf("readyz with Redis down: %d %v", code, body)
	}
	var r struct{ Online []int64 }
	p.s.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/presence", p.chat.ID), p.alice.AccessToken, nil, &r)
	if len(r.Online) != 2 {
		t.Fatalf("presence from the node's own view = %v, want both", r.Online)
	}
}

// A message sent while NATS is down reaches the other node's clients as soon as NATS is back,
// even when nothing is sent after it: the node that could not publish publishes again, and
// every node reads the store for chats it holds (Hub.Recover).
func TestNATSOutageLastMessageArrivesWithoutAnother(t *testing.T) {
	ns := ft.StartNATSServer(t)
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	n1 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ns.URL, NATSPrefix: prefix, JWTSecret: secret})
	n2 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ns.URL, NATSPrefix: prefix, JWTSecret: secret})
	ws := fmt.Sprintf("outage-last-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n1.Signup(t, email("bob"), ws)
	chat := n1.CreateChat(t, alice, fechatter.ChatDirect, "", bob.User.ID)
	a := n1.Dial(t, alice.AccessToken)
	a.Ready()
	b := n2.Dial(t, bob.AccessToken)
	b.Ready()

	ns.Stop()
	ft.CheckFor(t, wait, "n1 to see NATS down", func() bool { code, _ := readyz(t, n1); return code == http.StatusServiceUnavailable })
	a.Send(sendFrame(chat.ID, "the last word"))
	if e := a.WaitFor(wait, ft.Type("ack")); e.Message.Seq != 1 {
		t.Fatalf("ack during outage = %s", e.Raw)
	}
	ns.Start()
	if e := b.WaitFor(20*time.Second, isMessage(chat.ID)); e.Message.Text != "the last word" || e.Seq != 1 {
		t.Fatalf("bob got %s", e.Raw)
	}
}
