package hub

import (
	"sync"
	"sync/atomic"
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
// the delay for it.
//
// The delay grows while the node is late (adapt): half its lateness, up to maxStretch times
// the configured delay. Its events wait anyway then, and holding a socket's frame a little
// longer packs more of them into each write, which is what brings the node back: in a
// 5,000-member room at 20 messages/s every socket gets an event each 50 ms, too far apart to
// share a frame at the base delay.
type coalescer struct {
	base  time.Duration
	delay atomic.Int64 // the delay now, ns

	mu    sync.Mutex
	held  []*writer
	timer *time.Timer
}

func newCoalescer(delay time.Duration) *coalescer {
	if delay <= 0 {
		return nil
	}
	c := &coalescer{base: delay}
	c.delay.Store(int64(delay))
	return c
}

// maxStretch bounds how far a late node stretches the delay: 4 × 25 ms by default.
const maxStretch = 4

// adapt sets the delay for a node that is late by behind.
func (c *coalescer) adapt(behind time.Duration) {
	c.delay.Store(int64(min(max(c.base, behind/2), maxStretch*c.base)))
}

// now is the delay now.
func (c *coalescer) now() time.Duration { return time.Duration(c.delay.Load()) }

// busy reports whether a writer whose last frame was taken at last should wait at now.
func (c *coalescer) busy(last, now time.Time) bool {
	return c != nil && !last.IsZero() && now.Sub(last) < c.now()
}

// hold starts w's flush at the next release (w.release); w.running and w.held are set and
// w.flushing counts it.
func (c *coalescer) hold(w *writer) {
	c.mu.Lock()
	c.held = append(c.held, w)
	if len(c.held) == 1 {
		d := c.now()
		if c.timer == nil {
			c.timer = time.AfterFunc(d, c.release)
		} else {
			c.timer.Reset(d)
		}
	}
	c.mu.Unlock()
}

// release starts the flush of every writer held since the last release.
func (c *coalescer) release() {
	c.mu.Lock()
	held := c.held
	c.held = nil
	c.mu.Unlock()
	for _, w := range held {
		w.release()
	}
}
