package loadtest

import (
	"math/rand/v2"
	"time"
)

// A connection the server refused for overload holds its sends, as a well-behaved client's
// outbox does: the refused send and every send scheduled after it wait in order; after the
// server's hint plus jitter the oldest goes out alone as a probe, and each ack on the
// connection sends the next one, until none is held. A refused one holds again, with the
// server's longer hint. So a crowd of refused connections costs the node about one frame per
// connection per hint, not one per pending send.

// holdState is a connection's outbox while it holds; c.mu guards it.
type holdState struct {
	on   bool
	gen  int           // which hold this is: a prober of an earlier one stops
	wait time.Duration // the server's last hint
	held [][]byte      // oldest first
}

// refused holds the connection with frame first, after a refusal hinting wait.
func (c *conn) refused(frame []byte, wait time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold.held = append([][]byte{frame}, c.hold.held...)
	c.hold.wait = wait
	if !c.hold.on {
		c.hold.on = true
		c.holds++
		c.hold.gen = c.holds
		go c.probe(c.hold.gen)
	}
}

// probe sends the oldest held frame alone once per hint (plus jitter) while the connection
// holds. It also replaces a probe lost with a dropped connection.
func (c *conn) probe(gen int) {
	for {
		c.mu.Lock()
		wait := c.hold.wait
		c.mu.Unlock()
		time.Sleep(wait + rand.N(wait+1)) // a client's back-off, not a wait for a condition
		c.mu.Lock()
		if !c.hold.on || c.hold.gen != gen || c.r.done.Load() || c.r.auditing.Load() {
			c.mu.Unlock()
			return
		}
		if len(c.hold.held) == 0 {
			c.mu.Unlock()
			continue // the probe is in flight
		}
		frame := c.hold.held[0]
		c.hold.held = c.hold.held[1:]
		c.mu.Unlock()
		c.send(frame)
	}
}

// release answers an ack while the connection holds: the next held frame goes out, alone
// again, so a connection recovering from refusals keeps one send in flight until its outbox
// is empty (a burst of held frames into a node still at capacity would only be refused).
// The hold ends with the outbox.
func (c *conn) release() {
	c.mu.Lock()
	if !c.hold.on || c.r.auditing.Load() { // the audit counts what is held; it sends nothing
		c.mu.Unlock()
		return
	}
	if len(c.hold.held) == 0 {
		c.hold = holdState{}
		c.mu.Unlock()
		return
	}
	next := c.hold.held[0]
	c.hold.held = c.hold.held[1:]
	c.mu.Unlock()
	c.send(next)
}

// held is how many sends the connection still holds.
// keep holds frame without sending it: a retry that comes due once the final audit began.
func (c *conn) keep(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold.held = append(c.hold.held, frame)
	c.hold.on = true
}

func (c *conn) heldCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.hold.held)
}
