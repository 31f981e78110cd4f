package loadtest

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The final audit tells late from lost. After the drain every connection resumes once more
// from its cursor (a resume frame on an open socket, a dial with resume when the server closed
// it), and the generator waits until every send in flight is answered and every connection
// holds every acked event of its chats, nothing arrives for auditQuiet, or Drain passes. From
// its start nothing more is sent: sends refused and waiting to be retried stay held, so no ack
// can come after its last look. Whatever is still missing then was acked and never
// delivered, live or by replay: lost.

const auditQuiet = 3 * time.Second

// reconnectAdvised reports whether a close (or a dropped connection) is one a client comes
// back from with resume: every code but a normal close, 1009 (frame too big) and the
// "do not reconnect without fixing something" codes 4001 and 4003.
func reconnectAdvised(err error) bool {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusMessageTooBig, 4001, 4003:
		return false
	}
	return true
}

// audit runs the final resume and waits for its replays. It resumes only the connections
// that miss an acked event: a resume on an open socket rewinds the node's cursor to the seq it
// names, so events still in flight to a connection that misses nothing would only come twice.
func (r *runner) audit(ctx context.Context) {
	start := time.Now()
	r.auditing.Store(true)
	acked := r.ackedSnapshot()
	var wg sync.WaitGroup
	sem := make(chan struct{}, r.cfg.ConnectWorkers)
	for _, c := range r.local {
		if c.isUp() && !c.behind(acked) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if c.isUp() && c.resume() == nil {
				return
			}
			if c.dialing.CompareAndSwap(false, true) {
				defer c.dialing.Store(false)
				if r.redial(c) {
					r.st.rejoins.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	deadline := start.Add(r.cfg.Drain)
	last, lastChange := int64(-1), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil && (!r.caughtUp() || r.inFlight() > 0) {
		if d := r.st.deliveries.Load() + r.st.refetched.Load() + r.st.acks.Load(); d != last {
			last, lastChange = d, time.Now()
		} else if time.Since(lastChange) > auditQuiet {
			break
		}
		time.Sleep(10 * time.Millisecond) // a load tool polling its own counters
	}
	r.res.AuditSeconds = time.Since(start).Seconds()
}

// resume asks the server, on the open socket, for every event after the connection's cursors,
// and expects the events in flight to come twice (chatCursor.replay).
func (c *conn) resume() error {
	c.mu.Lock()
	ws := c.ws
	chats := c.resumeMapLocked()
	c.expectReplayLocked()
	c.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"type": "resume", "chats": chats})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ws.Write(ctx, websocket.MessageText, b)
}

// expectReplayLocked marks where the stream of an open-socket resume from the cursors will
// start (chatCursor.replay); c.mu is held.
func (c *conn) expectReplayLocked() {
	for i := range c.cursors {
		cc := &c.cursors[i]
		cc.replay, cc.replaying = cc.seq+1, false
	}
}

// inFlight is the number of sends written and not answered yet (neither acked, refused for
// good nor held). From the audit's start held sends stay held, so once it is 0 no ack can come
// after the audit's last look.
func (r *runner) inFlight() int64 {
	n := r.st.sends.Load() - r.st.acks.Load() - r.st.sendErrors.Load()
	for _, c := range r.local {
		n -= int64(c.heldCount())
	}
	return n
}

// caughtUp reports whether every local connection holds every event acked to this process in
// each of its chats.
func (r *runner) caughtUp() bool {
	acked := r.ackedSnapshot()
	for _, c := range r.local {
		if c.behind(acked) {
			return false
		}
	}
	return true
}

// ackedSnapshot copies the highest acked seq per chat.
func (r *runner) ackedSnapshot() map[int64]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	acked := make(map[int64]int64, len(r.maxAcked))
	for k, v := range r.maxAcked {
		acked[k] = v
	}
	return acked
}

// behind reports whether the connection misses an acked event in one of its chats.
func (c *conn) behind(acked map[int64]int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range c.cursors {
		if cc.seq < acked[cc.id] {
			return true
		}
	}
	return false
}
