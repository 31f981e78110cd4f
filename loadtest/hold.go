package loadtest

import (
	"math/rand/v2"
	"time"
)

// A connection the server refused for overload holds its sends, as a well-behaved client's
// outbox does: the refused send and every send scheduled after it wait in order; after the
// server's hint plus jitter the oldest goes out alone as a probe, and the first ack on the
// connection sends the rest. A refused probe holds again, with the server's longer hint. So
// a crowd of refused connections costs the node about one frame per connection per hint,
// not one per pending send.

// holdState is a connection's outbox while it holds; c.mu guards it.
type holdState struct {
	on   bool
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
		go c.probe()
	}
}

// probe sends the oldest held frame alone once per hint (plus jitter) while the connection
// holds. It also replaces a probe lost with a dropped connection.
func (c *conn) probe() {
	for {
		c.mu.Lock()
		wait := c.hold.wait
		c.mu.Unlock()
		time.Sleep(wait + rand.N(wait+1)) // a client's back-off, not a wait for a condition
		c.mu.Lock()
		if !c.hold.on || c.r.done.Load() {
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

// release ends a hold after an ack: the held frames go out in order.
func (c *conn) release() {
	c.mu.Lock()
	if !c.hold.on {
		c.mu.Unlock()
		return
	}
	held := c.hold.held
	c.hold = holdState{}
	c.mu.Unlock()
	for _, f := range held {
		c.send(f)
	}
}

// held is how many sends the connection still holds.
func (c *conn) heldCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.hold.held)
}
