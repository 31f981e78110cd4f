package hub_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/jackc/pgx/v5"
)

// Past capacity: these tests make a small node fall behind for real, by holding the lock of a
// chat's row in PostgreSQL so that its sends cannot commit, and check that the node pushes
// back at once instead of queueing, that what it acked is delivered, and that no client is
// closed for the node's own lateness.

// lockChat holds chat's row lock in a transaction of its own, as a long commit would, until
// the returned func is called. It returns once the node's next store write would wait.
func lockChat(t *testing.T, s *ft.Server, chatID int64) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM chats WHERE id = $1 FOR UPDATE`, chatID); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// storeBlocked waits until one of the node's store calls waits on a lock.
func storeBlocked(t *testing.T, s *ft.Server) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ft.Eventually(t, wait, func() string {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			return err.Error()
		}
		if n == 0 {
			return "no store call waits on the lock yet"
		}
		return ""
	})
}

// metric sums the samples of /metrics whose name and labels start with prefix.
func metric(t *testing.T, s *ft.Server, prefix string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum
}

func retryAfterMs(t *testing.T, e ft.Event) int64 {
	t.Helper()
	var v struct {
		RetryAfterMs int64 `json:"retry_after_ms"`
	}
	if err := json.Unmarshal(e.Raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.RetryAfterMs
}

func sendWithID(chatID int64, clientID, ref string) map[string]any {
	return map[string]any{"type": "send", "chat_id": chatID, "client_id": clientID, "text": ref, "ref": ref}
}

// A node whose commits are behind by more than its budget refuses a send at once with a
// retryable "overloaded" error carrying retry_after_ms; nothing refused is stored, the same
// client_id is accepted once the node caught up, and every acked message reaches every member
// once, in order.
func TestOverloadedSendIsRefusedAtOnceAndAcceptedOnRetry(t *testing.T) {
	const budget = 2 * time.Second
	p := newPair(t, ft.Options{Postgres: true, Tune: func(c *node.Config) { c.OverloadBudget = budget }})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b := p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	// watchers: one more connection per member, reading only the timeline
	wa, wb := p.s.Dial(t, p.alice.AccessToken), p.s.Dial(t, p.bob.AccessToken)
	wa.Ready()
	wb.Ready()

	release := lockChat(t, p.s, p.chat.ID)
	a.Send(sendFrame(p.chat.ID, "first")) // admitted: the node was not behind yet
	storeBlocked(t, p.s)
	ft.Eventually(t, wait, func() string {
		if v := metric(t, p.s, "fechatter_node_lateness_seconds"); v <= budget.Seconds() {
			return "the node does not know it is behind yet"
		}
		return ""
	})
	// /readyz says so, and stays 200: the node pushes back by itself.
	if code, body := readyz(t, p.s); code != http.StatusOK || body["load"] != "degraded" ||
		body["lateness_ms"].(float64) <= float64(budget.Milliseconds()) {
		t.Fatalf("/readyz while behind: %d %v, want 200 with load degraded and lateness_ms past the budget", code, body)
	}

	id := newUUID()
	start := time.Now()
	b.Send(sendWithID(p.chat.ID, id, "second"))
	e := replyTo(t, b, "second")
	took := time.Since(start)
	if e.Type != "error" || e.Code != fechatter.EOverloaded {
		t.Fatalf("send while the node is behind: %s, want an overloaded error", e.Raw)
	}
	if ms := retryAfterMs(t, e); ms < 100 {
		t.Fatalf("retry_after_ms = %d, want a hint of at least 100", ms)
	}
	if took > 5*time.Second {
		t.Fatalf("the refusal took %v: it waited instead of pushing back", took)
	}
	if v := metric(t, p.s, `fechatter_overload_refusals_total{what="send",why="late"}`); v < 1 {
		t.Fatalf("refusals metric = %v", v)
	}
	if v := metric(t, p.s, `fechatter_sends_total{result="overloaded"}`); v < 1 {
		t.Fatalf("sends_total{overloaded} = %v", v)
	}

	release()
	if e := replyTo(t, a, "first"); e.Type != "ack" {
		t.Fatalf("the send admitted before the stall: %s, want its ack", e.Raw)
	}
	ft.CheckFor(t, wait, "/readyz load ok once the node caught up", func() bool {
		_, body := readyz(t, p.s)
		return body["load"] == "ok"
	})
	var acked ft.Event
	ft.Eventually(t, wait, func() string {
		b.Send(sendWithID(p.chat.ID, id, "second"))
		acked = replyTo(t, b, "second")
		if acked.Type != "ack" {
			return "retry refused: " + string(acked.Raw)
		}
		return ""
	})
	for _, c := range []*ft.Conn{wa, wb} {
		for want := int64(1); want <= 2; want++ {
			if got := c.WaitFor(wait, isMessage(p.chat.ID)); got.Seq != want {
				t.Fatalf("member got seq %d, want %d", got.Seq, want)
			}
		}
	}
	if h := p.s.History(t, p.alice, p.chat.ID); len(h) != 2 || h[1].ClientID != id {
		t.Fatalf("history = %+v, want the first and the retried second, once each", h)
	}
}

// The send queue is bounded: with one send committing and one waiting, the next is refused at
// once, whatever the budget.
func TestFullSendQueueRefusesAtOnce(t *testing.T) {
	p, a, b, a2 := oneSendQueuePair(t)

	drain := fillSendQueue(t, p, a, b)
	start := time.Now()
	a2.Send(sendFrame(p.chat.ID, "probe"))
	if e := replyTo(t, a2, "probe"); e.Code != fechatter.EOverloaded || retryAfterMs(t, e) <= 0 {
		t.Fatalf("send past a full queue: %s, want overloaded with retry_after_ms", e.Raw)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the refusal took %v", took)
	}
	if v := metric(t, p.s, `fechatter_overload_refusals_total{what="send",why="full"}`); v < 1 {
		t.Fatalf("refusals{full} = %v", v)
	}
	drain()
}

// oneSendQueuePair is a pair on PostgreSQL whose node queues one send at most (budget off),
// with alice's and bob's connections a and b, and a second one of alice's, a2.
func oneSendQueuePair(t *testing.T) (p pair, a, b, a2 *ft.Conn) {
	t.Helper()
	p = newPair(t, ft.Options{Postgres: true, Tune: func(c *node.Config) {
		c.OverloadBudget, c.SendQueue = time.Hour, 1
	}})
	a = p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	b = p.s.Dial(t, p.bob.AccessToken)
	b.Ready()
	a2 = p.s.Dial(t, p.alice.AccessToken)
	a2.Ready()
	return p, a, b, a2
}

// fillSendQueue holds the chat's row so that a's send is committing and b's waits in the queue
// (a node with SendQueue 1 is then full); drain lets both through and requires their acks.
func fillSendQueue(t *testing.T, p pair, a, b *ft.Conn) (drain func()) {
	t.Helper()
	release := lockChat(t, p.s, p.chat.ID)
	a.Send(sendFrame(p.chat.ID, "committing"))
	storeBlocked(t, p.s)
	b.Send(sendFrame(p.chat.ID, "queued"))
	ft.Eventually(t, wait, func() string {
		if metric(t, p.s, "fechatter_send_queue_length") < 1 {
			return "the second send is not queued yet"
		}
		return ""
	})
	return func() {
		t.Helper()
		release()
		for _, r := range []struct {
			c   *ft.Conn
			ref string
		}{{a, "committing"}, {b, "queued"}} {
			if e := replyTo(t, r.c, r.ref); e.Type != "ack" {
				t.Fatalf("%s: %s, want its ack", r.ref, e.Raw)
			}
		}
	}
}

// Edits, deletes and reactions are admitted by the same rule as sends: past capacity (here a
// full queue) each is refused at once with "overloaded" and retry_after_ms, nothing changed;
// the same frame is accepted once the node caught up.
func TestOverloadedEditsAndReactionsAreRefusedLikeSends(t *testing.T) {
	p, a, b, a2 := oneSendQueuePair(t)
	a.Send(sendFrame(p.chat.ID, "root"))
	root := replyTo(t, a, "root")
	if root.Type != "ack" {
		t.Fatalf("root: %s", root.Raw)
	}
	msgID := root.Message.ID

	drain := fillSendQueue(t, p, a, b)
	frames := []map[string]any{
		{"type": "edit", "chat_id": p.chat.ID, "message_id": msgID, "text": "edited", "ref": "edit"},
		{"type": "react", "chat_id": p.chat.ID, "message_id": msgID, "emoji": "👍", "ref": "react"},
		{"type": "delete", "chat_id": p.chat.ID, "message_id": msgID, "ref": "delete"},
	}
	for _, f := range frames {
		start := time.Now()
		a2.Send(f)
		ref := f["ref"].(string)
		if e := replyTo(t, a2, ref); e.Code != fechatter.EOverloaded || retryAfterMs(t, e) <= 0 {
			t.Fatalf("%s past a full queue: %s, want overloaded with retry_after_ms", ref, e.Raw)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%s: the refusal took %v", ref, took)
		}
	}
	if v := metric(t, p.s, `fechatter_overload_refusals_total{what="change",why="full"}`); v < 3 {
		t.Fatalf("refusals{change,full} = %v, want 3", v)
	}
	drain()
	// Nothing refused changed the message; the same edit is accepted now.
	if h := p.s.History(t, p.alice, p.chat.ID); h[0].Text != "root" || h[0].EditedAt != nil || len(h[0].Reactions) != 0 {
		t.Fatalf("a refused change was applied: %+v", h[0])
	}
	a2.Send(frames[0])
	if e := replyTo(t, a2, "edit"); e.Type != "ack" || e.Message.Text != "edited" {
		t.Fatalf("edit after the stall: %s, want its ack", e.Raw)
	}
}

// A connection whose frame is held up by the node (its send waits on the store) cannot read
// the client's pong meanwhile: the keepalive must not close it as silent.
func TestKeepaliveDoesNotBlameTheClientForTheServersStall(t *testing.T) {
	p := newPair(t, ft.Options{Postgres: true, Tune: func(c *node.Config) {
		c.PingInterval, c.WriteTimeout = 100*time.Millisecond, 500*time.Millisecond
	}})
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	release := lockChat(t, p.s, p.chat.ID)
	a.Send(sendFrame(p.chat.ID, "held"))
	storeBlocked(t, p.s)
	ft.Eventually(t, wait, func() string {
		if v := metric(t, p.s, `fechatter_deadlines_extended_total{what="keepalive"}`); v < 3 {
			return "fewer than 3 unanswered pings forgiven"
		}
		return ""
	})
	if a.ErrClosed() != nil {
		t.Fatalf("closed while the server held its frame: %v", a.ErrClosed())
	}
	release()
	if e := replyTo(t, a, "held"); e.Type != "ack" {
		t.Fatalf("held send: %s", e.Raw)
	}
	a.Send(map[string]any{"type": "ping", "ref": "alive"})
	replyTo := a.WaitFor(wait, ft.Type("pong"))
	if string(replyTo.Ref) != `"alive"` {
		t.Fatalf("pong = %s", replyTo.Raw)
	}
}

// Past ConnectRate a handshake gets HTTP 503 with Retry-After and the error envelope
// ("overloaded", retry_after_ms), before any upgrade; WebSocket and SSE alike.
func TestConnectsPastTheRateGet503WithRetryAfter(t *testing.T) {
	p := newPair(t, ft.Options{Tune: func(c *node.Config) { c.ConnectRate = 0.5 }}) // burst 1
	a := p.s.Dial(t, p.alice.AccessToken)
	a.Ready()
	check := func(resp *http.Response) {
		t.Helper()
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("response = %v, want 503", resp)
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Fatalf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
		var body struct {
			Error struct {
				Code         string `json:"code"`
				RetryAfterMs int64  `json:"retry_after_ms"`
			} `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Error.Code != fechatter.EOverloaded || body.Error.RetryAfterMs <= 0 {
			t.Fatalf("body = %+v (%v)", body, err)
		}
	}
	_, resp, err := websocket.Dial(t.Context(), p.s.WSURL, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + p.bob.AccessToken}}})
	if err == nil {
		t.Fatal("second connect within the burst of 1 was accepted")
	}
	check(resp)
	req, _ := http.NewRequest("GET", p.s.URL+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+p.bob.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	check(resp)
	if v := metric(t, p.s, `fechatter_overload_refusals_total{what="connect",why="rate"}`); v < 2 {
		t.Fatalf("refusals{connect,rate} = %v, want 2", v)
	}
}
