package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/fechatter/fechatter/loadtest/seed"
)

// Scenarios the generator runs.
const (
	Idle  = "idle"  // hold connections; connect rate and RSS per connection
	Room  = "room"  // chats × members, open-loop publisher; deliveries and their latency
	Send  = "send"  // many senders into many chats; acked sends and ack latency
	Churn = "churn" // publisher plus reconnect storms with resume; nothing acked is missed
	// Overload offers Factor × Capacity sends per second (past what the node can do) and
	// reports offered / accepted / refused and delivery latency per 10 s (Result.Series).
	Overload = "overload"
)

// Config describes one run of one process.
type Config struct {
	Scenario string
	Label    string
	// URL is the node's ws://host:port/ws, or several nodes' separated by commas: connection k
	// starts on node k mod n and moves to the next node when a dial fails (a node drained or
	// killed), as a client behind a load balancer would.
	URL  string
	Seed *seed.File

	Conns          int           // connect seed users 0..Conns-1 (default: all users)
	ConnectWorkers int           // dials in flight at once (default 128)
	Sources        []net.IP      // local source addresses, round robin (default: the kernel's choice)
	Rate           float64       // scheduled sends per second over all processes
	Duration       time.Duration // the measured phase
	Drain          time.Duration // longest wait for the last deliveries (default 10s)
	TextSize       int           // bytes of each message text (default 64)
	ChurnRate      float64       // reconnects per second over all processes (churn)
	Mix            Mix           // room: part of the sends as thread replies and reactions
	Presence       bool          // after the audit, check every connected member is online (presence.go)
	// NodeLoss: a node is killed during the run (loadtest/scaleout.sh); the sockets it drops
	// (read errors) are expected, as long as every one comes back.
	NodeLoss bool

	// RunID marks this run's messages; every process of one run must share it (default random).
	RunID        string
	Shard, Procs int // this process is shard Shard of Procs; connection k belongs to k mod Procs

	// Barrier is called once every local connection is ready and before the measured phase:
	// the multi-process parent uses it to start all children together. Optional.
	Barrier func() error
	Probe   *CostProbe // samples the server process; nil when the server is not local
	// Progress receives the live progress line (nil: none); Terminal rewrites it in place.
	Progress io.Writer
	Terminal bool
	Logger   *slog.Logger
}

type counters struct {
	sends, acks, sendErrors, lagged, deliveries, expected    atomic.Int64
	replies, reactions, reactionDeliveries                   atomic.Int64
	duplicates, gaps, resyncs, reconnects, connErrors, other atomic.Int64
	retries, rejoins, refused                                atomic.Int64
	refetched, retriedAccepted, auditDuplicates              atomic.Int64
	lateLogged                                               atomic.Int64 // deliveries logged for being late from acceptance
}

type runner struct {
	cfg      Config
	log      *slog.Logger
	dialers  *dialers
	auditing atomic.Bool // the final audit began (duplicates from then on are counted apart)
	urls     []string    // the nodes, from Config.URL
	marker   []byte      // `"text":"lt<run>:` — identifies this run's messages
	prefix   string
	st       counters
	series   series // per 10 s buckets of the measured phase, drain and audit
	res      *Result
	conns    []*conn // local connections, by seed user index (nil when not local)
	local    []*conn // the same, packed

	roots roots // -mix: the message each chat's replies and reactions are about

	pendMu  sync.Mutex
	pending map[int64]pendingSend // sends not yet acked, by ref (their due time)
	done    atomic.Bool           // the run is over: no more retries or rejoins

	mu       sync.Mutex
	closes   map[string]int64
	errCodes map[string]int64
	maxAcked map[int64]int64
}

// Run runs one process's part of a scenario and returns what it measured.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	r, err := newRunner(cfg)
	if err != nil {
		return nil, err
	}
	defer r.closeAll()
	stop := r.progress()
	defer stop()
	loadBefore := loadavg()
	r.cfg.Probe.BeforeConnect()
	if err := r.connectAll(ctx); err != nil {
		return nil, err
	}
	r.cfg.Probe.Loaded()
	if r.cfg.Barrier != nil {
		if err := r.cfg.Barrier(); err != nil {
			return nil, err
		}
	}
	r.cfg.Probe.StartMeasure()
	sctx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	r.series.begin(time.Now())
	if r.cfg.Probe != nil {
		sampling.Add(1)
		go func() { defer sampling.Done(); r.series.sampleServer(sctx, r.cfg.Probe.PID) }()
	}
	switch r.cfg.Scenario {
	case Idle:
		err = r.hold(ctx)
	case Room, Send, Overload:
		err = r.traffic(ctx, false)
	case Churn:
		err = r.traffic(ctx, true)
	}
	if err == nil && r.cfg.Scenario != Idle {
		r.audit(ctx)
	}
	if err == nil && r.cfg.Presence {
		r.checkPresence(ctx)
	}
	stopSampling()
	sampling.Wait()
	if err != nil {
		return nil, err
	}
	r.done.Store(true)
	r.closeAll() // nothing more is counted after the drain
	r.finish()
	r.res.Notes = append(r.res.Notes, "load average before/after: "+loadBefore+" / "+loadavg())
	r.cfg.Probe.Finish(r.res)
	return r.res, nil
}

func newRunner(cfg Config) (*runner, error) {
	if cfg.Seed == nil || len(splitURLs(cfg.URL)) == 0 {
		return nil, errors.New("loadtest: a seed and a URL are required")
	}
	switch cfg.Scenario {
	case Idle, Room, Send, Churn, Overload:
	default:
		return nil, fmt.Errorf("loadtest: unknown scenario %q", cfg.Scenario)
	}
	if cfg.Scenario != Idle && (len(cfg.Seed.Chats) == 0 || cfg.Rate <= 0) {
		return nil, fmt.Errorf("loadtest: scenario %s needs seeded chats and a rate", cfg.Scenario)
	}
	if cfg.Conns <= 0 || cfg.Conns > len(cfg.Seed.Users) {
		cfg.Conns = len(cfg.Seed.Users)
	}
	if cfg.Procs <= 0 {
		cfg.Procs = 1
	}
	cfg.ConnectWorkers = cmpOr(cfg.ConnectWorkers, 128)
	cfg.Drain = cmpOr(cfg.Drain, 10*time.Second)
	cfg.TextSize = cmpOr(cfg.TextSize, 64)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID()
	}
	prefix := "lt" + cfg.RunID + ":"
	r := &runner{cfg: cfg, log: cfg.Logger, dialers: newDialers(cfg.Sources), urls: splitURLs(cfg.URL), prefix: prefix,
		marker: []byte(`"text":"` + prefix), res: newResult(),
		closes: map[string]int64{}, errCodes: map[string]int64{}, maxAcked: map[int64]int64{},
		pending: map[int64]pendingSend{}}
	r.res.Scenario, r.res.Label, r.res.Rate = cfg.Scenario, cfg.Label, cfg.Rate
	if len(cfg.Seed.Chats) > 0 {
		r.res.Chats, r.res.Members = len(cfg.Seed.Chats), len(cfg.Seed.Chats[0].Members)
	}
	r.conns = make([]*conn, cfg.Conns)
	for k := cfg.Shard; k < cfg.Conns; k += cfg.Procs {
		c := &conn{r: r, user: k, node: k}
		r.conns[k] = c
		r.local = append(r.local, c)
	}
	return r, nil
}

// splitURLs is Config.URL's comma list without blanks.
func splitURLs(list string) []string {
	var urls []string
	for u := range strings.SplitSeq(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// NewRunID returns a fresh run id.
func NewRunID() string {
	id := make([]byte, 4)
	rand.Read(id)
	return hex.EncodeToString(id)
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// connectAll dials every local connection with ConnectWorkers in flight.
func (r *runner) connectAll(ctx context.Context) error {
	start := time.Now()
	err := parallel(ctx, r.cfg.ConnectWorkers, len(r.local), func(i int) error {
		c := r.local[i]
		t0 := time.Now()
		err := c.dial(ctx, false)
		for try, moved := 0, 0; err != nil && try < 20 && ctx.Err() == nil; try++ {
			var ref *refusedError
			switch {
			case errors.As(err, &ref):
				r.st.refused.Add(1) // the node pushed back: wait its Retry-After plus jitter
				time.Sleep(ref.retryAfter + mrand.N(ref.retryAfter+1))
			case moved < len(r.urls)-1:
				moved++ // the dial failed: the next node, once each
			default:
				try = 20
				continue
			}
			err = c.dial(ctx, false)
		}
		if err != nil {
			if r.st.connErrors.Add(1) <= 5 {
				r.log.Warn("connect failed", "user", c.user, "err", err)
			}
			return nil
		}
		r.res.ConnectLatency.Record(time.Since(t0))
		return nil
	})
	r.res.ConnectSeconds = time.Since(start).Seconds()
	r.res.ConnectErrors = r.st.connErrors.Load()
	r.res.Conns = len(r.local) - int(r.res.ConnectErrors)
	r.log.Info("connected", "conns", r.res.Conns, "errors", r.res.ConnectErrors, "seconds", r.res.ConnectSeconds)
	return err
}

// hold keeps the connections open for the duration (idle).
func (r *runner) hold(ctx context.Context) error {
	start := time.Now()
	select {
	case <-time.After(r.cfg.Duration):
	case <-ctx.Done():
		return ctx.Err()
	}
	r.res.MeasureSeconds = time.Since(start).Seconds()
	return nil
}

func (r *runner) closeAll() {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range r.local {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c.close()
		}()
	}
	wg.Wait()
}

// dropped is the close of a socket that ended without a close frame (a node killed, a network
// gone).
const dropped = "read error"

func (r *runner) unexpectedClose(err error) {
	key := dropped
	if code := websocket.CloseStatus(err); code != -1 {
		key = fmt.Sprintf("close %d", int(code))
	}
	r.mu.Lock()
	r.closes[key]++
	n := r.closes[key]
	r.mu.Unlock()
	if n <= 3 {
		r.log.Warn("connection closed", "why", key, "err", err)
	}
}

func (r *runner) noteError(line []byte) {
	code := string(stringAfter(line, []byte(`"code":"`)))
	r.mu.Lock()
	r.errCodes[code]++
	n := r.errCodes[code]
	r.mu.Unlock()
	if n <= 3 {
		r.log.Warn("error event", "event", string(line))
	}
}

// sentAt reads the scheduled send time a message of this run carries in its text.
func (r *runner) sentAt(line []byte) (time.Time, bool) {
	ns := intAfter(line, r.marker)
	if ns <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

// acked records the highest acked seq per chat and the deliveries the ack promises.
func (r *runner) acked(chat, seq int64) {
	r.mu.Lock()
	if seq > r.maxAcked[chat] {
		r.maxAcked[chat] = seq
	}
	r.mu.Unlock()
	r.st.expected.Add(int64(r.res.Members))
}

// finish copies the counters into the result.
func (r *runner) finish() {
	res := r.res
	res.Sends, res.Acks, res.SendErrors = r.st.sends.Load(), r.st.acks.Load(), r.st.sendErrors.Load()
	for _, c := range r.local {
		res.Held += int64(c.heldCount())
	}
	res.Lagged, res.Deliveries, res.Expected = r.st.lagged.Load(), r.st.deliveries.Load(), r.st.expected.Load()
	res.Duplicates, res.Gaps, res.Resyncs = r.st.duplicates.Load(), r.st.gaps.Load(), r.st.resyncs.Load()
	res.Reconnects, res.OtherEvents = r.st.reconnects.Load(), r.st.other.Load()
	res.Retries, res.Rejoins, res.Refused = r.st.retries.Load(), r.st.rejoins.Load(), r.st.refused.Load()
	res.NodeLoss = r.cfg.NodeLoss
	res.Replies, res.Reactions, res.ReactionDeliveries = r.st.replies.Load(), r.st.reactions.Load(), r.st.reactionDeliveries.Load()
	res.Refetched, res.RetriedAccepted = r.st.refetched.Load(), r.st.retriedAccepted.Load()
	res.AuditDuplicates = r.st.auditDuplicates.Load()
	res.Series = r.series.snapshot()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range r.closes {
		res.Closes[k] = v
	}
	for k, v := range r.errCodes {
		res.ErrorCodes[k] = v
	}
	if r.cfg.Scenario != Idle {
		res.MaxAcked = r.maxAcked
		res.MinSeen = r.minSeen()
		res.Missing = missing(res.MaxAcked, res.MinSeen)
	}
}

// minSeen is, per chat, the fewest events any local connection holds, as a seq: its cursor
// plus the events it holds past a hole (so a hole of one counts one missing, not every event
// after it).
func (r *runner) minSeen() map[int64]int64 {
	out := map[int64]int64{}
	for _, c := range r.local {
		c.mu.Lock()
		for _, cc := range c.cursors {
			held := cc.seq + int64(len(cc.ahead))
			if v, ok := out[cc.id]; !ok || held < v {
				out[cc.id] = held
			}
		}
		c.mu.Unlock()
	}
	return out
}

// progress prints a status line every second until stop is called.
func (r *runner) progress() (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start, last := time.Now(), int64(0)
		for {
			select {
			case <-done:
				if r.cfg.Terminal {
					fmt.Fprintln(r.cfg.Progress)
				}
				return
			case <-t.C:
			}
			d := r.st.deliveries.Load()
			line := fmt.Sprintf("[%s %d/%d] %3.0fs conns %d err %d | sends %d acks %d err %d | deliveries %d (%d/s) p99 %s",
				r.cfg.Scenario, r.cfg.Shard, r.cfg.Procs, time.Since(start).Seconds(), int64(r.res.ConnectLatency.Count()), r.st.connErrors.Load(),
				r.st.sends.Load(), r.st.acks.Load(), r.st.sendErrors.Load(), d, d-last, ms(r.res.Latency.Quantile(0.99)))
			last = d
			if r.cfg.Terminal {
				fmt.Fprintf(r.cfg.Progress, "\r%s\033[K", line)
			} else {
				fmt.Fprintln(r.cfg.Progress, strings.TrimSpace(line))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// loadavg is the first three fields of /proc/loadavg: how busy the machine was besides us.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
