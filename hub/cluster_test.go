package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// Two nodes share PostgreSQL and the external NATS: a message sent on one reaches a client on
// the other, and each node holds NATS interest only while it has local members.
func TestTwoNodesShareOneTimeline(t *testing.T) {
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	n1 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	n2 := ft.Start(t, ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret})
	ws := fmt.Sprintf("cluster-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n2.Signup(t, email("bob"), ws)
	chat := n1.CreateChat(t, alice, fechatter.ChatGroup, "x", bob.User.ID)

	if got := n2.Subscriptions(); got != 0 {
		t.Fatalf("idle node holds %d subscriptions, want 0", got)
	}
	a := n1.Dial(t, alice.AccessToken)
	a.Ready()
	b := n2.Dial(t, bob.AccessToken)
	b.Ready()
	if got := n2.Subscriptions(); got != 2 { // bob's user subject and the chat
		t.Fatalf("node 2 holds %d subscriptions with one member connected, want 2", got)
	}

	a.Send(sendFrame(chat.ID, "across nodes"))
	if e := b.WaitFor(wait, isMessage(chat.ID)); e.Message.Text != "across nodes" || e.Seq != 1 {
		t.Fatalf("node 2 client got %s", e.Raw)
	}
	b.Send(sendFrame(chat.ID, "and back"))
	if e := a.WaitFor(wait, func(e ft.Event) bool { return isMessage(chat.ID)(e) && e.Seq == 2 }); e.Message.Text != "and back" {
		t.Fatalf("node 1 client got %s", e.Raw)
	}

	b.C.CloseNow()
	ft.CheckFor(t, wait, "node 2 to drop its subscriptions after its last client left", func() bool { return n2.Subscriptions() == 0 })
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	p := newPair(t, ft.Options{})
	get := func(path string) (int, string) {
		resp, err := http.Get(p.s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Fatalf("readyz %d %s", code, body)
	}
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(p.chat.ID, "count me"))
	a.WaitFor(wait, ft.Type("ack"))
	_, body := get("/metrics")
	for _, want := range []string{
		"fechatter_connections 1",
		`fechatter_sends_total{result="ok"} 1`,
		"fechatter_send_ack_seconds_count 1",
		"fechatter_events_delivered_total",
		"fechatter_slow_consumer_closes_total 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
