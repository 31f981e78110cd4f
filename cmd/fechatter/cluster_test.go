package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/redis/go-redis/v9"
)

// proc is one fechatter process of the cluster.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	logs   *logBuffer
	exited chan struct{}
}

func startProc(t *testing.T, env []string) *proc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &logBuffer{addrC: make(chan string, 1)}, exited: make(chan struct{})}
	go func() { p.logs.scan(bufio.NewScanner(stderr)); _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-p.logs.addrC:
	case <-time.After(30 * time.Second):
		t.Fatalf("node did not start; logs:\n%s", p.logs)
	}
	return p
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// member is one chat user of the kill test: a socket that reconnects with resume whenever
// its node goes away, optionally sending a steady stream of messages.
type member struct {
	acct  ft.Account
	chat  int64
	nodes []*proc
	home  int
	send  bool

	mu        sync.Mutex
	got       []int64              // seqs received, in arrival order
	pending   map[string]string    // client_id → text, sent but not acked
	refused   map[string]time.Time // client_id → when to send it again (a retryable error frame)
	acked     map[int64]string     // seq → client_id
	readyAt   []time.Time          // each ready event
	presence  []presenceSeen
	holdUntil func() bool  // when set, do not reconnect before it returns true
	sending   *atomic.Bool // new sends stop when false; unacked ones are still retried
}

type presenceSeen struct {
	user   int64
	online bool
	at     time.Time
}

func (m *member) last() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.got) == 0 {
		return 0
	}
	return m.got[len(m.got)-1]
}

// run keeps a connection up until ctx ends.
func (m *member) run(ctx context.Context, sendEvery time.Duration) {
	node := m.home
	for ctx.Err() == nil {
		if m.holdUntil != nil && !m.holdUntil() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
				continue
			}
		}
		for !m.nodes[node].alive() {
			node = (node + 1) % len(m.nodes)
		}
		m.session(ctx, m.nodes[node].addr, sendEvery)
		if ctx.Err() == nil {
			select { // reconnect backoff, as a client would
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

func (m *member) session(ctx context.Context, addr string, sendEvery time.Duration) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	c, _, err := websocket.Dial(dctx, "ws://"+addr+"/ws", nil)
	cancel()
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 22)
	auth, _ := json.Marshal(map[string]any{"type": "auth", "token": m.acct.AccessToken,
		"resume": map[string]int64{fmt.Sprint(m.chat): m.last()}})
	if c.Write(ctx, websocket.MessageText, auth) != nil {
		return
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	if m.send {
		go m.sendLoop(sctx, c, sendEvery)
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			m.handle(line)
		}
	}
}

func (m *member) handle(line string) {
	var e ft.Event
	if json.Unmarshal([]byte(line), &e) != nil {
		return
	}
	if len(e.RawMsg) > 0 && e.Type != "error" {
		_ = json.Unmarshal(e.RawMsg, &e.Message)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e.Type {
	case "ready":
		m.readyAt = append(m.readyAt, time.Now())
	case "message":
		if e.Message.ChatID == m.chat {
			m.got = append(m.got, e.Seq)
		}
	case "error":
		// A refused send (overloaded, rate_limited, unavailable) goes again with its client_id,
		// as a real client does; the ref is the client_id.
		var ref string
		if json.Unmarshal(e.Ref, &ref) == nil && m.pending[ref] != "" {
			var hint struct {
				RetryAfterMS int64 `json:"retry_after_ms"`
			}
			_ = json.Unmarshal([]byte(line), &hint)
			m.refused[ref] = time.Now().Add(time.Duration(max(hint.RetryAfterMS, 100)) * time.Millisecond)
		}
	case "ack":
		delete(m.pending, e.Message.ClientID)
		delete(m.refused, e.Message.ClientID)
		m.acked[e.Message.Seq] = e.Message.ClientID
	case "presence":
		m.presence = append(m.presence, presenceSeen{e.UserID, e.Online, time.Now()})
	}
}

// sendLoop sends a new message every interval and, after a reconnect, resends whatever was
// not acked with its original client_id first.
func (m *member) sendLoop(ctx context.Context, c *websocket.Conn, every time.Duration) {
	m.mu.Lock()
	var retry [][]byte
	for id, text := range m.pending {
		retry = append(retry, frame(m.chat, id, text))
	}
	m.mu.Unlock()
	for _, f := range retry {
		if c.Write(ctx, websocket.MessageText, f) != nil {
			return
		}
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !m.again(ctx, c) {
			return
		}
		if !m.sending.Load() {
			continue
		}
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", m.acct.User.ID, time.Now().UnixNano()&0xffffffffffff)
		text := fmt.Sprintf("from %d #%d", m.acct.User.ID, n)
		m.mu.Lock()
		m.pending[id] = text
		m.mu.Unlock()
		if c.Write(ctx, websocket.MessageText, frame(m.chat, id, text)) != nil {
			return
		}
	}
}

// again sends the refused sends whose retry time has come; false when the connection failed.
func (m *member) again(ctx context.Context, c *websocket.Conn) bool {
	now := time.Now()
	var due [][]byte
	m.mu.Lock()
	for id, at := range m.refused {
		if now.After(at) {
			due = append(due, frame(m.chat, id, m.pending[id]))
			delete(m.refused, id)
		}
	}
	m.mu.Unlock()
	for _, f := range due {
		if c.Write(ctx, websocket.MessageText, f) != nil {
			return false
		}
	}
	return true
}

func frame(chat int64, clientID, text string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "send", "ref": clientID, "chat_id": chat, "client_id": clientID, "text": text})
	return b
}

func redisURL() string {
	if u := os.Getenv("FECHATTER_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Three processes of the real binary share PostgreSQL, NATS and Redis. One is SIGKILLed in
// the middle of a steady stream; its clients reconnect to the survivors with resume. Every
// acked message reaches every member exactly once and in order, and the killed node's user
// who stayed away shows offline, then online again.
func TestClusterSurvivesANodeKill(t *testing.T) {
	rc := redis.NewClient(&redis.Options{Addr: strings.TrimPrefix(strings.TrimSuffix(redisURL(), "/0"), "redis://")})
	if err := rc.Ping(t.Context()).Err(); err != nil {
		ft.Unavailable(t, "Redis", err)
	}
	rc.Close()
	db := ft.CreateDatabase(t)
	prefix := fmt.Sprintf("fechatter-test-%d:", time.Now().UnixNano())
	env := []string{"FECHATTER_ADDR=127.0.0.1:0", "DATABASE_URL=" + db, "NATS_URL=" + ft.NATSURL(),
		"REDIS_URL=" + redisURL(), "FECHATTER_REDIS_PREFIX=" + prefix, "FECHATTER_NATS_PREFIX=" + ft.UniquePrefix(), "FECHATTER_JWT_SECRET=" + ft.RandomSecret()}
	nodes := []*proc{startProc(t, env), startProc(t, env), startProc(t, env)}
	api := &ft.Server{URL: "http://" + nodes[0].addr}

	const users = 9
	accts := make([]ft.Account, users)
	for i := range accts {
		accts[i] = api.Signup(t, fmt.Sprintf("u%d@example.com", i), "cluster")
	}
	var ids []int64
	for _, a := range accts[1:] {
		ids = append(ids, a.User.ID)
	}
	chat := api.CreateChat(t, accts[0], fechatter.ChatGroup, "everyone", ids...)

	const victim = 1
	var sending atomic.Bool
	sending.Store(true)
	members := make([]*member, users)
	for i, a := range accts {
		members[i] = &member{acct: a, chat: chat.ID, nodes: nodes, home: i % 3, send: i < 3,
			pending: map[string]string{}, refused: map[string]time.Time{}, acked: map[int64]string{}, sending: &sending}
	}
	late := members[4] // on the victim node; stays away until seen offline
	observer := members[0]
	var killAt time.Time
	// seen finds the first presence event about the late user after the kill.
	seen := func(online bool) (time.Time, bool) {
		observer.mu.Lock()
		defer observer.mu.Unlock()
		for _, p := range observer.presence {
			if p.user == late.acct.User.ID && p.online == online && p.at.After(killAt) {
				return p.at, true
			}
		}
		return time.Time{}, false
	}
	killed := make(chan struct{})
	late.holdUntil = func() bool {
		select {
		case <-killed:
			_, off := seen(false)
			return off
		default:
			return true
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Add(1)
		go func() { defer wg.Done(); m.run(ctx, 100*time.Millisecond) }()
	}
	defer func() { cancel(); wg.Wait() }()

	ft.CheckFor(t, 20*time.Second, "every member ready", func() bool {
		for _, m := range members {
			m.mu.Lock()
			n := len(m.readyAt)
			m.mu.Unlock()
			if n == 0 {
				return false
			}
		}
		return true
	})
	ft.CheckFor(t, 20*time.Second, "a steady stream", func() bool { return totalAcked(members) >= 30 })

	killAt = time.Now()
	if err := nodes[victim].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-nodes[victim].exited
	close(killed)
	ackedAtKill := maxAcked(members)

	// The victim's clients: back (a ready from a survivor) and caught up (holding every
	// message acked by the time they were back).
	var back, caughtUp time.Duration
	for i, m := range members {
		if m.home != victim || m == late {
			continue
		}
		var readyAt time.Time
		ft.CheckFor(t, 30*time.Second, fmt.Sprintf("member %d back", i), func() bool {
			m.mu.Lock()
			defer m.mu.Unlock()
			if r := m.readyAt[len(m.readyAt)-1]; r.After(killAt) {
				readyAt = r
				return true
			}
			return false
		})
		target := maxAcked(members)
		ft.CheckFor(t, 30*time.Second, fmt.Sprintf("member %d caught up", i), func() bool { return m.last() >= target })
		back = max(back, readyAt.Sub(killAt))
		caughtUp = max(caughtUp, time.Since(killAt))
	}
	ft.CheckFor(t, 60*time.Second, "the victim's user offline", func() bool { _, ok := seen(false); return ok })
	offAt, _ := seen(false)
	ft.CheckFor(t, 30*time.Second, "the victim's user online again", func() bool {
		on, ok := seen(true)
		return ok && on.After(offAt)
	})
	onAt, _ := seen(true)
	ft.CheckFor(t, 30*time.Second, "more messages after the kill", func() bool { return maxAcked(members) >= ackedAtKill+20 })
	sending.Store(false)
	ft.CheckFor(t, 30*time.Second, "every send acked", func() bool {
		for _, m := range members {
			m.mu.Lock()
			n := len(m.pending)
			m.mu.Unlock()
			if n > 0 {
				return false
			}
		}
		return true
	})
	top := maxAcked(members)
	ft.CheckFor(t, 30*time.Second, "every member has every acked message", func() bool {
		for _, m := range members {
			if m.last() < top {
				return false
			}
		}
		return true
	})
	cancel()
	wg.Wait()

	// Every acked message reached every member exactly once, in order.
	acked := map[int64]bool{}
	for _, m := range members {
		for s := range m.acked {
			acked[s] = true
		}
	}
	for i, m := range members {
		for j := 1; j < len(m.got); j++ {
			if m.got[j] != m.got[j-1]+1 {
				t.Fatalf("member %d: seq %d followed %d (duplicate, gap or reorder)", i, m.got[j], m.got[j-1])
			}
		}
		if len(m.got) == 0 || m.got[0] != 1 || m.last() < top {
			t.Fatalf("member %d received %d..%d, acked reach %d", i, first(m.got), m.last(), top)
		}
	}
	history := api.History(t, accts[0], chat.ID)
	clientIDs := map[string]bool{}
	for _, msg := range history {
		if clientIDs[msg.ClientID] {
			t.Fatalf("client_id %s stored twice", msg.ClientID)
		}
		clientIDs[msg.ClientID] = true
	}
	for s := range acked {
		if s > int64(len(history)) {
			t.Fatalf("acked seq %d missing from history of %d", s, len(history))
		}
	}
	t.Logf("SIGKILL → victim's clients back on a survivor: %v, caught up: %v; → the user who stayed away shown offline: %v, online again after reconnecting: %v; %d messages acked",
		back.Round(time.Millisecond), caughtUp.Round(time.Millisecond), offAt.Sub(killAt).Round(time.Millisecond), onAt.Sub(killAt).Round(time.Millisecond), len(acked))
}

func first(s []int64) int64 {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

func totalAcked(ms []*member) int {
	n := 0
	for _, m := range ms {
		m.mu.Lock()
		n += len(m.acked)
		m.mu.Unlock()
	}
	return n
}

func maxAcked(ms []*member) int64 {
	var top int64
	for _, m := range ms {
		m.mu.Lock()
		for s := range m.acked {
			top = max(top, s)
		}
		m.mu.Unlock()
	}
	return top
}
