package history_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/history"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/jackc/pgx/v5"
)

// run describes one history run: the cluster, the clients and the fault injected while they send.
type run struct {
	nodes      int
	users      int // clients, one per user, spread over the nodes
	chats      int // every user is a member of every chat
	acked      int // stop sending once this many sends are acked
	privatePG  bool
	sqliteDir  string        // one node on SQLite with this data dir instead of PostgreSQL
	redis      bool          // presence in a private Redis
	extraEnv   []string      // added to every node's environment
	slow       int           // the first slow clients read slowly
	slowFor    time.Duration // how long a slow client stops reading, once a second (default 2s)
	changes    int           // one edit/delete/reaction per changes frames (0: none)
	fault      func(ctx context.Context, c *cluster)
	wantFailed bool // the run is meant to break a guarantee (the checker's own test)
}

// cluster is the engines and nodes of a run.
type cluster struct {
	t      *testing.T
	nats   *ft.NATSServer
	pg     *ft.PGCluster
	redis  *ft.RedisServer
	db     string // DATABASE_URL of the nodes
	dbName string
	admin  string // a superuser URL of the nodes' PostgreSQL
	nodes  []*ft.Proc
	rec    *history.Recorder
	faults atomic.Int64 // faults injected
	closes map[int]int  // sessions the server closed, by close code
	// slowClosed is how many connections the nodes closed as slow consumers (their
	// fechatter_slow_consumer_closes_total, summed over the nodes' latest starts), and
	// slowStalled how many of those because a write was stuck past the write timeout.
	slowClosed, slowStalled int
}

// counter reads a counter without labels from a node's /metrics (0 when the node is down).
func counter(t *testing.T, n *ft.Proc, name string) int {
	t.Helper()
	if !n.Alive() {
		return 0
	}
	resp, err := http.Get("http://" + n.Addr() + "/metrics")
	if err != nil {
		t.Logf("metrics of %s: %v", n.Addr(), err)
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return int(f)
		}
	}
	return 0
}

// live returns the addresses of the nodes that run and are not paused.
func (c *cluster) live() []string {
	var out []string
	for _, n := range c.nodes {
		if n.Alive() {
			out = append(out, n.Addr())
		}
	}
	return out
}

// every calls inject (counting it as one fault) until ctx ends, pausing between injections.
func every(ctx context.Context, c *cluster, pause time.Duration, inject func()) {
	for ctx.Err() == nil {
		if !sleep(ctx, pause) {
			return
		}
		inject()
		c.faults.Add(1)
	}
}

// sleep waits d (a fault's schedule, not a condition) and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// perFault is how many acked sends each fault test runs to: 2,000 unless
// FECHATTER_HISTORY_ACKED says otherwise.
func perFault() int {
	if v, err := strconv.Atoi(os.Getenv("FECHATTER_HISTORY_ACKED")); err == nil && v > 0 {
		return v
	}
	return 2000
}

func (r run) start(t *testing.T) (history.Verdict, *cluster) {
	t.Helper()
	c := &cluster{t: t, nats: ft.StartNATSServer(t), rec: history.NewRecorder()}
	env := []string{"FECHATTER_ADDR=127.0.0.1:0", "NATS_URL=" + c.nats.URL, "FECHATTER_NATS_PREFIX=" + ft.UniquePrefix(),
		"FECHATTER_JWT_SECRET=" + ft.RandomSecret(), "FECHATTER_LOG_LEVEL=info",
		"FECHATTER_SEND_RATE=0", "FECHATTER_AUTH_PER_MINUTE=0", "FECHATTER_WRITES_PER_MINUTE=0"}
	switch {
	case r.sqliteDir != "":
		env = append(env, "FECHATTER_DATA_DIR="+r.sqliteDir)
	case r.privatePG:
		c.pg = ft.StartPGCluster(t)
		c.dbName, c.admin = "fechatter_history", c.pg.URL
		c.db = c.pg.CreateDatabase(c.dbName)
	default:
		c.db = ft.CreateDatabase(t)
		pc, err := pgx.ParseConfig(c.db)
		if err != nil {
			t.Fatal(err)
		}
		c.dbName, c.admin = pc.Database, ft.AdminURL()
	}
	if c.db != "" {
		env = append(env, "DATABASE_URL="+c.db)
	}
	if r.redis {
		c.redis = ft.StartRedisServer(t)
		env = append(env, "REDIS_URL="+c.redis.URL, "FECHATTER_REDIS_PREFIX="+ft.UniquePrefix()+":")
	}
	env = append(env, r.extraEnv...)
	for range r.nodes {
		c.nodes = append(c.nodes, ft.StartProc(t, bin, env...))
	}
	api := &ft.Server{URL: "http://" + c.nodes[0].Addr(), Cfg: apiCfg(c, r)}
	ws := "history-" + ft.UniquePrefix()
	accts := make([]ft.Account, r.users)
	var ids []int64
	for i := range accts {
		accts[i] = api.Signup(t, fmt.Sprintf("h%d@example.com", i), ws)
		if i > 0 {
			ids = append(ids, accts[i].User.ID)
		}
	}
	var chats []int64
	for i := range r.chats {
		chats = append(chats, api.CreateChat(t, accts[0], fechatter.ChatGroup, fmt.Sprint("room ", i), ids...).ID)
	}

	var sending atomic.Bool
	sending.Store(true)
	clients := make([]*history.Client, r.users)
	ownerToken := c.tokens(accts[0].User.Email, accts[0].AccessToken) // the checker's reads come after a long run too
	for i, a := range accts {
		home := i % r.nodes
		cfg := history.ClientConfig{ID: i, UserID: a.User.ID, Chats: chats, Rec: c.rec, Fresh: c.tokens(a.User.Email, a.AccessToken),
			Seed: uint64(time.Now().UnixNano()), Sending: &sending, ChangeEvery: r.changes, RetryAcked: 40,
			Nodes: func() []string {
				live := c.live()
				// The client's home node first while it lives, as a balancer would keep it.
				for _, a := range live {
					if a == c.nodes[home].Addr() {
						return []string{a}
					}
				}
				return live
			}}
		if i < r.slow {
			cfg.SlowReads = cmp.Or(r.slowFor, 2*time.Second)
		}
		clients[i] = history.NewClient(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); cl.Run(ctx) }()
	}
	defer func() { cancel(); wg.Wait() }()
	// Sends start only once every client knows where each chat starts.
	sending.Store(false)
	ft.CheckFor(t, 30*time.Second, "every client ready", func() bool {
		for _, cl := range clients {
			if !cl.Started() {
				return false
			}
		}
		return true
	})
	sending.Store(true)

	fctx, stopFaults := context.WithCancel(ctx)
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		if r.fault != nil {
			r.fault(fctx, c)
		}
	}()
	start := time.Now()
	// Five minutes for the CI runs; a long run gets 20 ms per send on top (the 100,000-send run
	// acks 80–150 sends/s on this machine) and says how far it got every minute.
	limit := 5*time.Minute + time.Duration(max(0, r.acked-perFault()))*20*time.Millisecond
	told := time.Duration(0)
	ft.CheckFor(t, limit, fmt.Sprintf("%d acked sends", r.acked), func() bool {
		if took := time.Since(start); took-told > time.Minute {
			t.Logf("%d of %d sends acked after %v", c.rec.Acked(), r.acked, took.Round(time.Second))
			told = took
		}
		return c.rec.Acked() >= r.acked
	})
	sendTime := time.Since(start)
	stopFaults()
	<-faultDone
	sending.Store(false)
	unacked := func() string {
		var out []string
		for i, cl := range clients {
			if n := cl.Pending(); n > 0 {
				out = append(out, fmt.Sprintf("client %d (node %d, slow %v) has %d unacked, sessions ended by close code %v", i, i%r.nodes, i < r.slow, n, cl.Closes()))
			}
		}
		return strings.Join(out, "; ")
	}
	acked := time.Now().Add(90 * time.Second)
	for unacked() != "" && time.Now().Before(acked) {
		time.Sleep(50 * time.Millisecond) // the polling interval
	}
	if u := unacked(); u != "" {
		t.Fatalf("after 90s not every send acked: %s", u)
	}
	owner := accts[0]
	owner.AccessToken = ownerToken()
	truth := c.truth(api, owner, chats, r.users)
	behind := func() string {
		var out []string
		for i, cl := range clients {
			for _, ch := range truth {
				if last := cl.Last(ch.ID); last < ch.LastSeq {
					out = append(out, fmt.Sprintf("client %d (node %d) has chat %d up to %d of %d", i, i%r.nodes, ch.ID, last, ch.LastSeq))
				}
			}
		}
		return strings.Join(out, "; ")
	}
	caughtUp := time.Now().Add(60 * time.Second)
	for behind() != "" && time.Now().Before(caughtUp) {
		time.Sleep(50 * time.Millisecond) // the polling interval
	}
	if b := behind(); b != "" {
		for i, n := range c.nodes {
			var lines []string
			for _, l := range strings.Split(n.Logs(), "\n") {
				if strings.Contains(l, "nats") || strings.Contains(l, "recover") || strings.Contains(l, "WARN") {
					lines = append(lines, l)
				}
			}
			t.Logf("node %d logs (nats, recovery, warnings):\n%s", i, strings.Join(lines, "\n"))
		}
		t.Fatalf("after 60s not every client caught up: %s", b)
	}
	cancel()
	wg.Wait()
	for _, n := range c.nodes {
		c.slowClosed += counter(t, n, "fechatter_slow_consumer_closes_total")
		c.slowStalled += counter(t, n, "fechatter_slow_consumer_stalls_total")
	}
	v := history.Check(c.rec.Ops(), truth)
	c.closes = map[int]int{}
	for _, cl := range clients {
		for code, n := range cl.Closes() {
			c.closes[int(code)] += n
		}
	}
	t.Logf("%s; %d faults injected; sending took %v; sessions ended by close code (-1: no close frame): %v", v, c.faults.Load(), sendTime.Round(time.Millisecond), c.closes)
	if v.OK() == r.wantFailed {
		t.Errorf("checker verdict: %s", v)
	}
	return v, c
}

func apiCfg(c *cluster, r run) (cfg node.Config) {
	cfg.DatabaseURL = c.db
	if r.sqliteDir != "" {
		cfg.DataDir = r.sqliteDir
	}
	return cfg
}

// truth reads each chat's last seq and history from a live node.
func (c *cluster) truth(api *ft.Server, owner ft.Account, chats []int64, users int) []history.Chat {
	c.t.Helper()
	live := c.live()
	api.URL = "http://" + live[0]
	var list struct {
		Chats []fechatter.ChatSummary `json:"chats"`
	}
	api.MustDo(c.t, http.StatusOK, "GET", "/api/v1/chats", owner.AccessToken, nil, &list)
	last := map[int64]int64{}
	for _, ch := range list.Chats {
		last[ch.ID] = ch.LastSeq
	}
	members := make([]int, users)
	for i := range members {
		members[i] = i
	}
	var out []history.Chat
	for _, id := range chats {
		out = append(out, history.Chat{ID: id, LastSeq: last[id], Messages: api.History(c.t, owner, id), Members: members})
	}
	return out
}

// tokens returns a Fresh function for a client: the access token it was given, replaced by a
// new login once it is ten minutes old (access tokens live fifteen).
func (c *cluster) tokens(email, token string) func() string {
	var mu sync.Mutex
	at := time.Now()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) < 10*time.Minute {
			return token
		}
		live := c.live()
		if len(live) == 0 {
			return token
		}
		body, _ := json.Marshal(map[string]string{"email": email, "password": "correct horse battery"})
		resp, err := http.Post("http://"+live[0]+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			return token
		}
		defer resp.Body.Close()
		var a ft.Account
		if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&a) == nil {
			token, at = a.AccessToken, time.Now()
		}
		return token
	}
}
