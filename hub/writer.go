package hub

import (
	"sync"
	"time"
)

// writer is a connection's outbound queue. enqueue never blocks: it appends and, if no flush
// is running, starts one. A flush takes everything pending (up to maxBatch bytes) and hands it
// to write as one frame, events separated by '\n'. Past maxQueue bytes the connection is slow
// and onSlow is called once; the queue then refuses everything.
//
// A reader that stops reading fills the kernel's socket buffers first, and then the write in
// progress blocks. A write that has not completed after maxStall makes the connection slow as
// well (onSlow, once): the next enqueue notices it, and so does stalled, which the keepalive
// asks between pings, so a stalled reader is closed within a bounded time even when its queue
// never reaches maxQueue. It costs one clock reading per frame, one per enqueue while a frame
// is being written and, with waited set, one per enqueue into an empty queue; no timer.
//
// The flush goroutine exists only while there is something to write, so an idle connection
// costs no goroutine here. With coalesce set, a connection whose last frame was taken less
// than its delay ago does not start its flush at once: the coalescer starts it (coalesce.go).
type writer struct {
	maxQueue int
	maxBatch int
	maxStall time.Duration              // a write in progress for longer is a stalled reader (0: no limit)
	write    func(batch [][]byte) error // one frame; called from one goroutine at a time
	onSlow   func(stalled bool)         // stalled: a write was stuck, rather than the queue full
	onError  func(error)
	lost     func() time.Duration // the node's own total lateness so far (nil: none counted)
	waited   func(time.Duration)  // how long the oldest event of a frame waited (nil: not measured)
	coalesce *coalescer           // holds a busy connection's next frame for a moment (nil: never)

	flushing sync.WaitGroup // the flush goroutine, while one runs

	mu      sync.Mutex
	queue   [][]byte
	size    int
	running bool
	closed  bool
	since   time.Time     // when the write in progress started; zero between writes
	lostAt  time.Duration // lost() when it started: the node's lateness since is not the reader's
	oldest  time.Time     // when the oldest queued event was queued (with waited or coalesce set)
	taken   time.Time     // when the last frame was taken from the queue
	held    bool          // running, but the coalescer starts the flush
}

// enqueue queues data; it reports false when the writer is closed or the queue overflowed.
func (w *writer) enqueue(data []byte) bool { return w.put(data, false) }

// put is enqueue; with now set, data is something the client waits for (an ack), written at
// once: a frame the coalescer holds is released for it.
func (w *writer) put(data []byte, now bool) bool { return w.putAll(now, data) }

// putAll queues every item of data at once, so a flush that starts takes them together.
func (w *writer) putAll(now bool, data ...[]byte) bool {
	n := 0
	for _, d := range data {
		n += len(d)
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	if stalled := w.stuck(time.Time{}); stalled || w.size+n > w.maxQueue {
		w.closed = true
		w.queue, w.size = nil, 0
		w.mu.Unlock()
		w.onSlow(stalled)
		return false
	}
	if len(w.queue) == 0 && (w.waited != nil || w.coalesce != nil) {
		w.oldest = time.Now()
	}
	w.queue = append(w.queue, data...)
	w.size += n
	start, hold := false, false
	switch {
	case !w.running:
		w.running = true
		w.flushing.Add(1)
		hold = !now && w.coalesce.busy(w.taken, w.oldest)
		start = !hold
		w.held = hold
	case w.held && now:
		w.held = false // the coalescer's release skips it; its flushing count is ours now
		start = true
	}
	w.mu.Unlock()
	if hold {
		w.coalesce.hold(w)
	} else if start {
		go w.flush()
	}
	return true
}

// release starts a flush the coalescer held, unless put(…, now) started it already.
func (w *writer) release() {
	w.mu.Lock()
	held := w.held
	w.held = false
	w.mu.Unlock()
	if held {
		go w.flush()
	}
}

func (w *writer) flush() {
	defer w.flushing.Done()
	var batch [][]byte
	for {
		w.mu.Lock()
		w.since = time.Time{}
		if w.closed || len(w.queue) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.since = time.Now()
		w.taken = w.since
		if w.lost != nil {
			w.lostAt = w.lost()
		}
		batch = batch[:0]
		n, taken := 0, 0
		for _, d := range w.queue {
			if taken > 0 && n+len(d) > w.maxBatch {
				break
			}
			batch = append(batch, d)
			n += len(d)
			taken++
		}
		clear(w.queue[:taken])
		w.queue = w.queue[taken:]
		if len(w.queue) == 0 {
			w.queue = nil // let the backing array go
		}
		w.size -= n
		wait := w.since.Sub(w.oldest)
		w.oldest = w.since // what is left waits from now on (an underestimate)
		w.mu.Unlock()
		if w.waited != nil {
			w.waited(wait)
		}

		if err := w.write(batch); err != nil {
			w.close()
			w.onError(err)
			return
		}
	}
}

// stuck reports whether the write in progress has taken longer than maxStall at now (the
// zero time: the current time), not counting the time the node itself was late meanwhile: a
// saturated or paused node has not been writing, so its wait is not the reader's fault. w.mu
// is held.
func (w *writer) stuck(now time.Time) bool {
	if w.maxStall <= 0 || w.since.IsZero() {
		return false
	}
	if now.IsZero() {
		now = time.Now()
	}
	took := now.Sub(w.since)
	if w.lost != nil {
		took -= w.lost() - w.lostAt
	}
	return took > w.maxStall
}

// stalled reports whether the write in progress has taken longer than maxStall at now; the
// first time it does, the writer closes and calls onSlow, as an overflowing queue does.
func (w *writer) stalled(now time.Time) bool {
	w.mu.Lock()
	if w.closed || !w.stuck(now) {
		w.mu.Unlock()
		return false
	}
	w.closed = true
	w.queue, w.size = nil, 0
	w.mu.Unlock()
	w.onSlow(true)
	return true
}

// close drops what is pending and refuses further writes. A flush the coalescer holds is
// given up, so closeWait does not wait for the coalescer's timer.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.queue, w.size = nil, 0
	if w.held {
		w.held, w.running = false, false
		w.flushing.Done()
	}
	w.mu.Unlock()
}

// closeWait closes the writer and waits for a write in progress to end, so nothing touches
// the transport afterwards.
func (w *writer) closeWait() {
	w.close()
	w.flushing.Wait()
}
