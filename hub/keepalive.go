package hub

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// keepalive pings the client every PingInterval, unless a frame of the client's arrived since
// the last tick: that read already showed the client alive, so a busy socket is pinged at most
// every other tick. A ping without pong in WriteTimeout closes the connection, unless the
// silence was the server's own: the pong can only be read between frames, so a ping is not held
// against the client while the connection was handling a frame, when a frame arrived
// meanwhile, or when the node itself was late for a tenth of the wait. Before and after each
// ping it asks the writer whether a frame's write has been stuck for longer than WriteTimeout
// (a client that stopped reading, though it may still send): that closes the connection as a
// slow consumer (4008) even when no event comes to notice it.
//
// Between pings it costs a timer, not a goroutine. A ping costs the node 35 – 45 µs of CPU on
// the project's machines, most of it the two syscalls (the ping's write, the pong's read) and
// the wake-ups around them, not the timers (docs/benchmarks.md, "Keepalive").
func (c *Client) keepalive(conn *websocket.Conn) (stop func()) {
	var stopped atomic.Bool
	var timer *time.Timer
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	lastTick := time.Now().UnixNano()
	timer = time.AfterFunc(c.h.cfg.PingInterval, func() {
		if c.tick(conn, lastTick) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		lastTick = time.Now().UnixNano()
		if !stopped.Load() {
			timer.Reset(c.h.cfg.PingInterval)
		}
	})
	return func() {
		stopped.Store(true)
		timer.Stop()
	}
}

// tick is one keepalive round for a connection whose previous round was at last (Unix ns). It
// reports whether it closed the connection.
func (c *Client) tick(conn *websocket.Conn, last int64) (closed bool) {
	if c.w.stalled(time.Now()) {
		return true
	}
	if c.readAt.Load() >= last {
		c.h.m.pings.WithLabelValues("skipped").Inc() // the client spoke since the last round
		return false
	}
	start, stall := time.Now(), c.h.load.stall()
	ctx, cancel := context.WithTimeout(c.h.ctx, c.h.cfg.WriteTimeout)
	err := conn.Ping(ctx)
	cancel()
	outcome, d := "pong", (*Disconnect)(nil)
	switch timedOut := errors.Is(err, context.DeadlineExceeded); {
	case timedOut && !c.silent(start, stall):
		c.h.m.forgiven.WithLabelValues("keepalive").Inc()
		outcome = "" // counted as extended; the next round pings again
	case timedOut:
		outcome, d = "unanswered", DisconnectStale
	case err != nil: // the socket is gone already (closed or dropped under the ping)
		outcome, d = "lost", DisconnectLost
	}
	if c.w.stalled(time.Now()) {
		return true
	}
	if outcome != "" {
		c.h.m.pings.WithLabelValues(outcome).Inc()
	}
	if d != nil {
		c.close(d)
		return true
	}
	return false
}

// silent reports whether an unanswered ping sent at start (at the node's stall total stall)
// is the client's fault: no frame came from it since, its connection was not busy with one,
// and the node was not late meanwhile.
func (c *Client) silent(start time.Time, stall time.Duration) bool {
	if c.busy.Load() || c.readAt.Load() >= start.UnixNano() {
		return false
	}
	return c.h.load.stall()-stall <= c.h.cfg.WriteTimeout/10
}
