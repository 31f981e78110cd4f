package hub

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
	"golang.org/x/time/rate"
)

// Past capacity. A node offered more than it can do says so at once instead of queueing: a
// send is refused with a retryable "overloaded" error (nothing stored, retry the same
// client_id after retry_after_ms) and a connect with HTTP 503 and Retry-After, whenever the
// node is behind by more than its budget. What it accepted it still delivers within about
// that budget, and no client is closed for the time the node itself was late.
//
// How late the node is comes from three clocks, each reading counting for lateWindow:
//   - the scheduler: a probe timer due every probeInterval; how late it fires, plus how long
//     it then waits to run again after yielding to the back of the run queue, is how long a
//     runnable goroutine waits for a CPU, the lateness of everything on the node;
//   - the commit queue: how long a send waits for its worker (queued, or behind a batch in
//     progress);
//   - the fan-out: how long a timeline event took from its publish to its dispatch here, when
//     the broker reports it (Lag);
//   - the sockets' queues: how long events wait in the connections' outbound queues before
//     their frame is written (queueClock: a percentile over all frames, not the largest).

const (
	probeInterval = 50 * time.Millisecond
	lateWindow    = time.Second
)

// Lagger is implemented by a Broker that can tell how late its deliveries are.
type Lagger interface {
	Lag() time.Duration
}

// recent is the largest reading taken in the last lateWindow.
type recent struct {
	mu sync.Mutex
	v  time.Duration
	at time.Time
}

func (r *recent) observe(d time.Duration, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d >= r.v || now.Sub(r.at) > lateWindow {
		r.v, r.at = d, now
	}
}

func (r *recent) get(now time.Time) time.Duration {
	d, _ := r.read(now)
	return d
}

// read is get and when the wait it measured began.
func (r *recent) read(now time.Time) (time.Duration, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.at) > lateWindow {
		return 0, now
	}
	return r.v, r.at.Add(-r.v)
}

// load is the node's view of its own lateness and the admission rules built on it.
type load struct {
	budget  time.Duration
	sched   recent // scheduler probe lateness
	commit  recent // sends' wait for their worker
	backlog recent // the part of it beyond the batch in progress (what pacing counts)
	setup   recent // a new connection's start once authenticated (the user's chats, subscriptions, ready)
	queue   queueClock
	pace    pace   // the cap on admitted changes once the node has been late
	lagger  Lagger // nil: the broker does not say
	connect *rate.Limiter

	stalled atomic.Int64                         // total lateness of the probe since start, ns; never decreases (read per client frame)
	extra   atomic.Pointer[func() time.Duration] // another clock (tests)
}

func newLoad(cfg *Config) *load {
	l := &load{budget: cfg.OverloadBudget}
	if lg, ok := cfg.Broker.(Lagger); ok {
		l.lagger = lg
	}
	if cfg.ConnectRate > 0 {
		l.connect = rate.NewLimiter(rate.Limit(cfg.ConnectRate), max(1, cfg.ConnectBurst))
	}
	return l
}

// probe runs the scheduler probe until ctx ends, and keeps the lateness gauge (which counts the
// send queues' wait too) current.
func (h *Hub) probe(ctx context.Context) {
	l := h.load
	t := time.NewTimer(probeInterval)
	defer t.Stop()
	due := time.Now().Add(probeInterval)
	last := time.Now() // the previous tick
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := time.Now() // the channel's value is when the timer fired, not when we ran
			late := max(0, now.Sub(due))
			// A goroutine woken by its timer runs next, ahead of everything runnable, so the
			// timer alone misses the run queue: yielding puts the probe at the back of the
			// global queue, and the wait to run again is what any runnable goroutine (a
			// socket's writer, a fan-out) waits now.
			runtime.Gosched()
			late = max(late, time.Since(now))
			now = time.Now()
			l.sched.observe(late, now)
			l.addStall(late)
			behind := h.lateness(now)
			if l.budget > 0 {
				paced, by := h.pacingBy(now, time.Time{})
				fresh, _ := h.pacingBy(now, l.pace.cutAt())
				if l.pace.tick(paced, fresh, l.budget, now, now.Sub(last)) {
					h.m.cuts.WithLabelValues(by).Inc()
				}
				h.m.paced.Set(l.pace.limit())
			}
			h.m.lateness.Set(behind.Seconds())
			if h.coalesce != nil {
				h.coalesce.adapt(behind)
				h.m.coalesce.Set(h.coalesce.now().Seconds())
			}
			last = now
			h.m.queued.Set(float64(h.sends.queued()))
			due = now.Add(probeInterval)
			t.Reset(probeInterval)
		}
	}
}

// queueWaited records how long the oldest event of a frame waited in its connection's queue.
func (h *Hub) queueWaited(d time.Duration) {
	h.load.queue.observe(d, time.Now())
	h.m.queueWait.Observe(d.Seconds())
}

// lateness is how far behind the node is now, send queues included: what
// fechatter_node_lateness_seconds and /readyz show.
func (h *Hub) lateness(now time.Time) time.Duration {
	d, _ := h.latenessBy(now, time.Time{})
	return d
}

// latenessBy is lateness and the clock that reads it, counting only the waits that began
// after after (the zero time: all of them).
func (h *Hub) latenessBy(now, after time.Time) (time.Duration, string) {
	d, clock := h.load.latenessBy(now, after, &h.load.commit)
	if w := h.sends.maxWait(now); w > d && now.Add(-w).After(after) {
		return w, "commit"
	}
	return d, clock
}

// pacingBy is the lateness the admission cap answers to (pace.tick): latenessBy without the
// sends' wait for a batch in progress. Under group commit a send that arrives during a commit
// waits for it and goes in the next batch, whatever the rate: that wait is the store's
// latency, and admitting fewer sends does not shorten it (on PostgreSQL at 5,000 sends/s,
// commits of 250 – 440 ms cut the cap from 5,100/s to 1,650/s while the node was keeping up).
// A queue deeper than a batch is what admitting fewer sends shortens.
func (h *Hub) pacingBy(now, after time.Time) (time.Duration, string) {
	d, clock := h.load.latenessBy(now, after, &h.load.backlog)
	if w := h.sends.backlog(); w > d && now.Add(-w).After(after) {
		return w, "commit"
	}
	return d, clock
}

// Lateness reports how far behind the node is now and its budget (0: admission control off).
// Past the budget the node refuses sends and connects; /readyz reports it as degraded.
func (h *Hub) Lateness() (late, budget time.Duration) {
	return h.lateness(time.Now()), max(h.load.budget, 0)
}

func (l *load) addStall(d time.Duration) { l.stalled.Add(int64(d)) }

// stall is the node's total lateness so far: a deadline armed at stall s0 and firing at s1
// lost s1-s0 to the node's own saturation.
func (l *load) stall() time.Duration { return time.Duration(l.stalled.Load()) }

// lateness is how far behind the node is now: the largest recent reading of its clocks.
func (l *load) lateness(now time.Time) time.Duration {
	d, _ := l.latenessBy(now, time.Time{}, &l.commit)
	return d
}

// latenessBy is lateness and the clock that reads it (scheduler, commit, queue, fanout,
// other), counting only the waits that began after after (the zero time: all of them). commit
// is the sends' clock: l.commit, or l.backlog for pacing.
func (l *load) latenessBy(now, after time.Time, commit *recent) (time.Duration, string) {
	var d time.Duration
	clock := "scheduler"
	pick := func(v time.Duration, began time.Time, name string) {
		if v > d && began.After(after) {
			d, clock = v, name
		}
	}
	v, began := l.sched.read(now)
	pick(v, began, "scheduler")
	v, began = commit.read(now)
	pick(v, began, "commit")
	v, began = l.queue.read(now)
	pick(v, began, "queue")
	if l.lagger != nil {
		lag := l.lagger.Lag()
		pick(lag, now.Add(-lag), "fanout")
	}
	if extra := l.extra.Load(); extra != nil {
		v := (*extra)()
		pick(v, now.Add(-v), "other")
	}
	return d, clock
}

// retryAfter is the hint given with a refusal: the lateness itself, at least minRetry and at
// most maxRetry. Clients add jitter.
func retryAfter(late time.Duration) time.Duration {
	return min(max(late, minRetry), maxRetry).Round(time.Millisecond)
}

// The bounds of a refusal's retry hint.
const minRetry, maxRetry = 250 * time.Millisecond, 10 * time.Second

// refuseConnect answers a handshake the node cannot take now: HTTP 503, Retry-After in whole
// seconds, and the error envelope with code "overloaded" and retry_after_ms.
func refuseConnect(w http.ResponseWriter, err *fechatter.Error) {
	w.Header().Set("Retry-After", strconv.Itoa(err.RetryAfterSeconds()))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write(encode(map[string]any{"error": map[string]any{
		"code": err.Code, "message": err.Message, "retry_after_ms": err.RetryAfter.Milliseconds()}}))
}

// admitConnect decides whether a new connection may start: refused while the node is late or
// past ConnectRate.
func (h *Hub) admitConnect() *fechatter.Error {
	l := h.load
	now := time.Now()
	if late := max(l.lateness(now), l.setup.get(now)); l.budget > 0 && late > l.budget {
		h.m.refused.WithLabelValues("connect", "late").Inc()
		return fechatter.Overloaded(retryAfter(late), "connection refused")
	}
	if l.connect != nil {
		r := l.connect.Reserve()
		if d := r.Delay(); d > 0 {
			r.Cancel()
			h.m.refused.WithLabelValues("connect", "rate").Inc()
			return fechatter.Overloaded(retryAfter(d), "too many connections at once")
		}
	}
	return nil
}

// deadline calls fn after d of the node's own time: when it comes due, time the node spent
// late meanwhile is given back (up to 10×d), so a client is never judged by the server's
// stall. stop cancels it and reports whether it did so before fn ran.
func (h *Hub) deadline(d time.Duration, what string, fn func()) (stop func() bool) {
	var mu sync.Mutex
	stopped, fired := false, false
	start, given := h.load.stall(), time.Duration(0)
	var t *time.Timer
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(d, func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		if lost := h.load.stall() - start - given; lost > d/10 && given < 10*d {
			given += lost
			t.Reset(lost)
			mu.Unlock()
			h.m.forgiven.WithLabelValues(what).Inc()
			return
		}
		fired = true
		mu.Unlock()
		fn()
	})
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
		return !fired
	}
}
