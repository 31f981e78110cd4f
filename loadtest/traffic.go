package loadtest

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/fechatter/fechatter/loadtest/seed"
)

// lateAfter is how late a scheduled send may be written before it counts as lagged.
const lateAfter = 100 * time.Millisecond

// schedule is the open-loop send plan shared by every process of a run: send i is due at
// start + i/Rate, into chat i mod C, from a member chosen by the scenario. Latency is measured
// from the due time, never from when the generator got around to writing, so a stalled server
// or generator shows up as latency instead of silently thinning the load (no coordinated
// omission).
type schedule struct {
	total    int
	interval time.Duration
	chats    []seed.Chat
	fixed    bool // churn: member 0 of each chat sends everything
}

func (s schedule) at(i int) (chat int, sender int) {
	chat = i % len(s.chats)
	m := s.chats[chat].Members
	if s.fixed {
		return chat, m[0]
	}
	// Rotate senders through the members so no connection exceeds the per-socket frame rate.
	return chat, m[(i/len(s.chats))%len(m)]
}

// traffic runs the publisher (and for churn the reconnector), then drains.
func (r *runner) traffic(ctx context.Context, churn bool) error {
	s := schedule{
		total:    int(r.cfg.Rate * r.cfg.Duration.Seconds()),
		interval: time.Duration(float64(time.Second) / r.cfg.Rate),
		chats:    r.cfg.Seed.Chats,
		fixed:    churn,
	}
	localMembers := make([]int64, len(s.chats))
	for ci, ch := range s.chats {
		for _, u := range ch.Members {
			if u < len(r.conns) && r.conns[u] != nil && r.conns[u].isUp() {
				localMembers[ci]++
			}
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var churnWG sync.WaitGroup
	if churn {
		churnWG.Add(1)
		go func() { defer churnWG.Done(); r.churner(cctx) }()
	}
	start := time.Now()
	expectLocal, err := r.publish(ctx, s, start, localMembers)
	r.res.MeasureSeconds = time.Since(start).Seconds()
	cancel()
	churnWG.Wait()
	if err != nil {
		return err
	}
	r.drain(ctx, expectLocal)
	return nil
}

// publish writes this process's share of the schedule and returns how many deliveries its
// connections should get if every send of every process is acked.
func (r *runner) publish(ctx context.Context, s schedule, start time.Time, localMembers []int64) (int64, error) {
	var expect int64
	pad := strings.Repeat("x", max(0, r.cfg.TextSize-len(r.prefix)-20))
	var idBase [16]byte
	crand.Read(idBase[:])
	buf := make([]byte, 0, 256)
	for i := 0; i < s.total; i++ {
		ci, sender := s.at(i)
		expect += localMembers[ci]
		if sender >= len(r.conns) || r.conns[sender] == nil {
			continue
		}
		c := r.conns[sender]
		due := start.Add(time.Duration(i) * s.interval)
		if wait := time.Until(due); wait > 200*time.Microsecond {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return expect, ctx.Err()
			}
		} else if -wait > lateAfter {
			r.st.lagged.Add(1)
		}
		buf = r.frame(buf[:0], i, sender, s.chats[ci].ID, due, idBase, pad)
		frame := append([]byte(nil), buf...)
		r.st.sends.Add(1)
		r.series.add(time.Now(), func(b *Bucket) { b.Offered++ })
		r.remember(due.UnixNano(), c, frame)
		go c.write(frame)
	}
	return expect, nil
}

// frame appends scheduled send i: a message, or with -mix a thread reply or a reaction on the
// chat's root message once this process knows one.
func (r *runner) frame(b []byte, i, sender int, chatID int64, due time.Time, base [16]byte, pad string) []byte {
	kind := r.cfg.Mix.kindOf(i)
	root := int64(0)
	if kind != kindMessage {
		root = r.roots.of(chatID)
	}
	switch {
	case kind == kindReaction && root != 0:
		r.st.reactions.Add(1)
		return reactFrame(b, chatID, root, r.roots.flip(chatID, sender), due.UnixNano())
	case kind == kindReply && root != 0:
		r.st.replies.Add(1)
		b = r.sendFrame(b, chatID, due, base, uint64(i), pad)
		b = b[:len(b)-1] // drop the closing brace
		b = append(b, `,"thread_id":`...)
		b = strconv.AppendInt(b, root, 10)
		return append(b, '}')
	}
	return r.sendFrame(b, chatID, due, base, uint64(i), pad)
}

// sendFrame appends a send frame whose ref and text carry the due time in Unix nanoseconds.
func (r *runner) sendFrame(b []byte, chatID int64, due time.Time, base [16]byte, n uint64, pad string) []byte {
	ns := due.UnixNano()
	for k := range 8 {
		base[8+k] ^= byte(n >> (8 * k))
	}
	base[6] = base[6]&0x0f | 0x40 // version 4
	base[8] = base[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(base[:])
	b = append(b, `{"type":"send","chat_id":`...)
	b = strconv.AppendInt(b, chatID, 10)
	b = append(b, `,"client_id":"`...)
	b = append(b, h[0:8]+"-"+h[8:12]+"-"+h[12:16]+"-"+h[16:20]+"-"+h[20:32]...)
	b = append(b, `","ref":`...)
	b = strconv.AppendInt(b, ns, 10)
	b = append(b, `,"text":"`...)
	b = append(b, r.prefix...)
	b = strconv.AppendInt(b, ns, 10)
	b = append(b, ' ')
	b = append(b, pad...)
	return append(b, `"}`...)
}

// drain waits for the answers and deliveries still in flight: until every send is answered
// and the expected deliveries arrived, nothing moved for half of Drain (at least 3 s) with
// every send answered, or Drain passed. A send still unanswered may be waiting for its
// connection's rejoin or its retry time, when nothing moves for a while: only Drain ends
// that wait.
func (r *runner) drain(ctx context.Context, expectLocal int64) {
	start := time.Now()
	deadline := start.Add(r.cfg.Drain)
	quiet := max(3*time.Second, r.cfg.Drain/2)
	lastD, lastA, lastChange := int64(-1), int64(-1), start
	for time.Now().Before(deadline) && ctx.Err() == nil {
		d, a := r.st.deliveries.Load(), r.st.acks.Load()
		answered := a+r.st.sendErrors.Load() >= r.st.sends.Load()
		if answered && (d >= expectLocal || (r.cfg.Procs == 1 && d >= r.st.expected.Load())) {
			break
		}
		if d != lastD || a != lastA {
			lastD, lastA, lastChange = d, a, time.Now()
		} else if answered && time.Since(lastChange) > quiet {
			break
		}
		time.Sleep(10 * time.Millisecond) // a load tool polling its own counters
	}
	r.res.DrainSeconds = time.Since(start).Seconds()
}

// churner closes and reopens random non-sending connections at ChurnRate/Procs per second,
// each reconnect resuming from the last seq the connection saw, until ctx ends; then it
// waits for the reconnects in flight.
func (r *runner) churner(ctx context.Context) {
	senders := map[int]bool{}
	for _, ch := range r.cfg.Seed.Chats {
		senders[ch.Members[0]] = true
	}
	var pool []*conn
	for _, c := range r.local {
		if !senders[c.user] && c.isUp() {
			pool = append(pool, c)
		}
	}
	if len(pool) == 0 || r.cfg.ChurnRate <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) * float64(r.cfg.Procs) / r.cfg.ChurnRate))
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c := pool[rand.IntN(len(pool))]
		if !c.dialing.CompareAndSwap(false, true) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.dialing.Store(false)
			r.reconnect(c)
		}()
	}
}

// reconnect closes c and dials it again with resume.
func (r *runner) reconnect(c *conn) {
	c.close()
	if r.redial(c) {
		r.st.reconnects.Add(1)
	}
}

// redial dials c again with resume until it is up: after a refusal (HTTP 503) it waits the
// server's Retry-After plus as much again of jitter, after other failures a jittered
// exponential backoff; it gives up after a minute or when the run ends.
func (r *runner) redial(c *conn) bool {
	deadline := time.Now().Add(time.Minute)
	backoff := 100 * time.Millisecond
	for try := 0; time.Now().Before(deadline) && !r.done.Load(); try++ {
		err := c.dial(context.Background(), true)
		if err == nil {
			return true
		}
		wait := backoff
		var ref *refusedError
		if errors.As(err, &ref) {
			r.st.refused.Add(1)
			wait = ref.retryAfter
		} else {
			backoff = min(2*backoff, 5*time.Second)
			if try < 3 {
				r.log.Warn("reconnect failed", "user", c.user, "try", try, "err", err)
			}
		}
		time.Sleep(wait + rand.N(wait+1)) // a load tool pacing its own retries
	}
	r.st.connErrors.Add(1)
	return false
}

// rejoin brings back a connection the server closed, as a client would: backoff, resume.
func (r *runner) rejoin(c *conn) {
	if r.done.Load() || !c.dialing.CompareAndSwap(false, true) {
		return
	}
	defer c.dialing.Store(false)
	time.Sleep(rand.N(500 * time.Millisecond)) // jitter: not all in step with the others closed at once
	if r.redial(c) {
		r.st.rejoins.Add(1)
		r.resendUnanswered(c)
	}
}

// resendUnanswered sends again, with the same client_id, every send of c that was written on
// an earlier socket and neither answered nor refused since: a socket the server closes can
// take a send's ack with it (the send may have been stored or not), and a client's outbox
// sends such a send again after it reconnects; the server's idempotency answers it once.
func (r *runner) resendUnanswered(c *conn) {
	c.mu.Lock()
	now := c.ws
	c.mu.Unlock()
	var frames [][]byte
	r.pendMu.Lock()
	for ref, p := range r.pending {
		if p.c == c && p.on != nil && p.on != now {
			p.on = nil
			r.pending[ref] = p
			frames = append(frames, p.frame)
		}
	}
	r.pendMu.Unlock()
	slices.SortFunc(frames, func(a, b []byte) int { return cmp.Compare(intAfter(a, keyRef), intAfter(b, keyRef)) })
	for _, f := range frames {
		if r.auditing.Load() {
			c.keep(f) // the audit counts it as held
		} else {
			c.write(f)
		}
	}
}

// pendingSend is a send not yet acked, kept to send again after a refusal.
type pendingSend struct {
	c     *conn
	frame []byte
	tries int             // refusals and resends so far
	other int             // of them, those not for overload (maxRetries bounds these)
	on    *websocket.Conn // the socket it was last written on and not answered or refused since (nil: none)
}

// tries is how often the send ref has been refused or scheduled again so far (-1: not pending).
func (r *runner) tries(ref int64) int {
	r.pendMu.Lock()
	defer r.pendMu.Unlock()
	if p, ok := r.pending[ref]; ok {
		return p.tries
	}
	return -1
}

// written notes that the send ref went out on ws, unless it was answered, refused or
// scheduled again since its tries were read (before the write).
func (r *runner) written(ref int64, ws *websocket.Conn, tries int) {
	r.pendMu.Lock()
	if p, ok := r.pending[ref]; ok && p.tries == tries {
		p.on = ws
		r.pending[ref] = p
	}
	r.pendMu.Unlock()
}

func (r *runner) remember(ref int64, c *conn, frame []byte) {
	r.pendMu.Lock()
	r.pending[ref] = pendingSend{c: c, frame: frame}
	r.pendMu.Unlock()
}

// forget drops an answered send and returns how often it had been refused before; ok is false
// when it was not pending (a second answer to a send written again after a reconnect).
func (r *runner) forget(ref int64) (tries int, ok bool) {
	r.pendMu.Lock()
	p, ok := r.pending[ref]
	delete(r.pending, ref)
	r.pendMu.Unlock()
	return p.tries, ok
}

// maxRetries bounds how often one refused send is sent again.
const maxRetries = 20

// retrying counts one more refusal of the send ref and returns its frame to send again, unless
// it is unknown, refused too often for other reasons than overload (more than maxRetries; an
// overload refusal never counts: a client's outbox keeps such a send until the node takes it),
// or the run is over.
func (r *runner) retrying(ref int64, overloaded bool) ([]byte, bool) {
	r.pendMu.Lock()
	p, ok := r.pending[ref]
	if ok {
		p.tries++
		if !overloaded {
			p.other++
		}
		p.on = nil // held or scheduled now, not in flight
		r.pending[ref] = p
	}
	r.pendMu.Unlock()
	if !ok || p.other > maxRetries || r.done.Load() {
		return nil, false
	}
	r.st.retries.Add(1)
	return p.frame, true
}

// retryLater sends a refused send again, unchanged, after retryAfter plus as much again of
// jitter. It reports false when the send is not retried (unknown, too many tries, run over).
func (r *runner) retryLater(ref int64, retryAfter time.Duration) bool {
	frame, ok := r.retrying(ref, false)
	if !ok {
		return false
	}
	r.pendMu.Lock()
	c := r.pending[ref].c
	r.pendMu.Unlock()
	time.AfterFunc(retryAfter+rand.N(retryAfter+1), func() {
		switch {
		case r.done.Load():
		case r.auditing.Load():
			c.keep(frame) // the audit waits for the sends in flight; this one is held
		default:
			c.write(frame)
		}
	})
	return true
}
