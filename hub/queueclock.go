package hub

import (
	"math/bits"
	"sync"
	"time"
)

// queueClock is the fan-out's clock for admission: how long events wait in the connections'
// outbound queues before the write of their frame begins (the oldest event of each frame), as
// the 75th percentile of the frames of the last one to two seconds.
//
// The scheduler probe sees a goroutine waiting for a CPU, not a queue that grows while each
// writer does run: a node that accepts sends faster than its sockets drain them builds a
// backlog per connection that no other clock shows, and every message accepted meanwhile is
// delivered that much later. A percentile over all frames, rather than the largest wait, keeps
// a few slow readers (whose writes block on their own full socket buffers) from making the
// node refuse everyone's sends; those are closed by the writer's own limits instead.
type queueClock struct {
	mu        sync.Mutex
	start     time.Time // of the current window
	cur, prev [clockBuckets]uint32
}

const (
	clockWindow     = time.Second
	clockBuckets    = 20 // bucket b > 0 holds waits of [2^(b-1), 2^b) ms; bucket 0 less than 1 ms
	clockMinFrames  = 50 // fewer frames than this in the two windows: no reading
	clockPercentile = 0.75
)

func (q *queueClock) observe(d time.Duration, now time.Time) {
	b := min(bits.Len64(uint64(max(d.Milliseconds(), 0))), clockBuckets-1)
	q.mu.Lock()
	q.rotate(now)
	q.cur[b]++
	q.mu.Unlock()
}

// rotate starts a new window when the current one is over; q.mu is held.
func (q *queueClock) rotate(now time.Time) {
	switch age := now.Sub(q.start); {
	case age < clockWindow:
		return
	case age < 2*clockWindow:
		q.prev = q.cur
	default:
		q.prev = [clockBuckets]uint32{}
	}
	q.cur, q.start = [clockBuckets]uint32{}, now
}

// get is the percentile of the frames' waits over the previous and the current window,
// interpolated inside its bucket; 0 with too few frames to tell.
func (q *queueClock) get(now time.Time) time.Duration {
	d, _ := q.read(now)
	return d
}

// read is get and when the waits it measured began, at the earliest: the start of the
// previous window (when it counted any frame) less the reading.
func (q *queueClock) read(now time.Time) (time.Duration, time.Time) {
	q.mu.Lock()
	q.rotate(now)
	var n [clockBuckets]uint32
	var total, prev uint32
	for b := range n {
		n[b] = q.prev[b] + q.cur[b]
		total += n[b]
		prev += q.prev[b]
	}
	from := q.start
	if prev > 0 {
		from = from.Add(-clockWindow)
	}
	q.mu.Unlock()
	if total < clockMinFrames {
		return 0, now
	}
	target := clockPercentile * float64(total)
	var below float64
	for b, c := range n {
		if c == 0 || below+float64(c) < target {
			below += float64(c)
			continue
		}
		lo, hi := 0.0, 1.0
		if b > 0 {
			lo, hi = float64(uint64(1)<<(b-1)), float64(uint64(1)<<b)
		}
		ms := lo + (hi-lo)*(target-below)/float64(c)
		d := time.Duration(ms * float64(time.Millisecond))
		return d, from.Add(-d)
	}
	return 0, now // not reached: the buckets hold total
}
