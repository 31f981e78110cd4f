package hub

import (
	"sync"
	"time"
)

// coalescer holds back the next frame of a busy connection for a moment, so that the events
// arriving meanwhile share that frame and its write(2). A write costs the same few
// microseconds of kernel time whatever it carries, so a connection getting an event every few
// milliseconds (a large, active room) pays one syscall per event unless its events wait for
// each other; a connection that was quiet for the last delay is written at once, so a quiet
// room or a lone ack never waits.
//
// A held writer's flush starts when the coalescer's one timer fires: one wake-up for every
// connection held in that interval, instead of one per connection. No event waits longer than
// delay for it.
type coalescer struct {
	delay time.Duration

	mu    sync.Mutex
	held  []*writer
	spare []*writer // the previous held slice, reused
	timer *time.Timer
}

func newCoalescer(delay time.Duration) *coalescer {
	if delay <= 0 {
		return nil
	}
	return &coalescer{delay: delay}
}

// busy reports whether a writer whose last frame was taken at last should wait at now.
func (c *coalescer) busy(last, now time.Time) bool {
	return c != nil && !last.IsZero() && now.Sub(last) < c.delay
}

// hold starts w's flush at the next release (w.release); w.running and w.held are set and
// w.flushing counts it.
func (c *coalescer) hold(w *writer) {
	c.mu.Lock()
	c.held = append(c.held, w)
	if len(c.held) == 1 {
		if c.timer == nil {
			c.timer = time.AfterFunc(c.delay, c.release)
		} else {
			c.timer.Reset(c.delay)
		}
	}
	c.mu.Unlock()
}

// release starts the flush of every writer held since the last release.
func (c *coalescer) release() {
	c.mu.Lock()
	held := c.held
	c.held, c.spare = c.spare[:0], nil
	c.mu.Unlock()
	for i, w := range held {
		w.release()
		held[i] = nil
	}
	c.mu.Lock()
	if c.spare == nil && cap(held) <= 1<<16 {
		c.spare = held[:0]
	}
	c.mu.Unlock()
}
