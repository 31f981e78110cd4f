package hub

import (
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// The clock reads the 75th percentile of the frames' waits over the last one to two seconds:
// a slow minority does not move it, a late majority does, and it forgets them once idle.
func TestQueueClockReadsAPercentileOfRecentFrames(t *testing.T) {
	var q queueClock
	t0 := time.Now()
	for i := range 100 {
		d := time.Millisecond
		if i%5 == 0 {
			d = 5 * time.Second // a fifth of the frames: readers that do not keep up
		}
		q.observe(d, t0)
	}
	if got := q.get(t0); got >= 3*time.Millisecond {
		t.Fatalf("with 20%% slow frames the clock reads %v, want the majority's ~1-2 ms", got)
	}
	for range 300 {
		q.observe(700*time.Millisecond, t0.Add(1500*time.Millisecond))
	}
	if got := q.get(t0.Add(1500 * time.Millisecond)); got < 512*time.Millisecond || got >= 1024*time.Millisecond {
		t.Fatalf("with most frames 700 ms late the clock reads %v, want it in [512 ms, 1024 ms)", got)
	}
	if got := q.get(t0.Add(4 * time.Second)); got != 0 {
		t.Fatalf("two idle windows later the clock reads %v, want 0", got)
	}
	var few queueClock
	for range clockMinFrames - 1 {
		few.observe(time.Minute, t0)
	}
	if got := few.get(t0); got != 0 {
		t.Fatalf("%d frames read %v, want 0 (too few to tell)", clockMinFrames-1, got)
	}
}

// The writer reports how long the oldest event of each frame waited for its write to begin.
func TestWriterReportsTheOldestEventsWait(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var waits []time.Duration
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, onSlow: func(bool) { t.Error("slow") }, onError: func(error) {},
		waited: func(d time.Duration) { mu.Lock(); waits = append(waits, d); mu.Unlock() }}
	first := true
	w.write = func([][]byte) error {
		if first {
			first = false
			<-gate
		}
		return nil
	}
	w.enqueue([]byte("a")) // taken at once; its write blocks on gate
	poll.CheckFor(t, time.Second, "the first event taken", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	w.enqueue([]byte("b"))
	queued := time.Now()
	time.Sleep(30 * time.Millisecond) // b waits behind the blocked write
	w.enqueue([]byte("c"))
	held := time.Since(queued)
	close(gate)
	poll.CheckFor(t, time.Second, "two frames", func() bool { mu.Lock(); defer mu.Unlock(); return len(waits) == 2 })
	if waits[1] < held {
		t.Fatalf("the second frame's oldest event waited %v by the writer's count, at least %v by the test's", waits[1], held)
	}
	if waits[0] > waits[1] {
		t.Fatalf("the first frame (taken at once) waited %v, more than the second's %v", waits[0], waits[1])
	}
}
