package hub

import (
	"bytes"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

func TestWriterBatchesPendingEventsIntoOneFrame(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var frames [][][]byte
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, onSlow: func(bool) { t.Error("slow") }, onError: func(error) {}}
	w.write = func(b [][]byte) error {
		<-gate
		mu.Lock()
		frames = append(frames, append([][]byte(nil), b...))
		mu.Unlock()
		return nil
	}
	w.enqueue([]byte("a")) // taken by the first flush, which blocks on gate
	poll.CheckFor(t, time.Second, "the first event taken", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	for _, s := range []string{"b", "c", "d"} {
		w.enqueue([]byte(s))
	}
	close(gate)
	poll.CheckFor(t, time.Second, "two frames", func() bool { mu.Lock(); defer mu.Unlock(); return len(frames) == 2 })
	if got := bytes.Join(frames[1], []byte(",")); string(got) != "b,c,d" {
		t.Fatalf("second frame = %q, want b,c,d in one frame", got)
	}
	poll.CheckFor(t, time.Second, "the flush goroutine to end", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return !w.running })
}

func TestWriterRespectsBatchLimit(t *testing.T) {
	gate := make(chan struct{})
	var sizes []int
	var mu sync.Mutex
	w := &writer{maxQueue: 1 << 20, maxBatch: 10, onSlow: func(bool) {}, onError: func(error) {}}
	w.write = func(b [][]byte) error {
		<-gate
		mu.Lock()
		sizes = append(sizes, len(b))
		mu.Unlock()
		return nil
	}
	w.enqueue([]byte("x"))
	poll.CheckFor(t, time.Second, "the first event taken", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	for i := 0; i < 6; i++ {
		w.enqueue([]byte("12345")) // two fit in 10 bytes
	}
	close(gate)
	poll.CheckFor(t, time.Second, "four frames", func() bool { mu.Lock(); defer mu.Unlock(); return len(sizes) == 4 })
	if sizes[1] != 2 || sizes[2] != 2 || sizes[3] != 2 {
		t.Fatalf("batch sizes = %v, want [1 2 2 2]", sizes)
	}
}

// Past maxQueue bytes the writer calls onSlow once and refuses everything, without ever
// blocking the caller. The first event is taken by a flush that then hangs in write, so
// exactly 1 + maxQueue/10 events are accepted. (The test used to start enqueueing before the
// flush took anything: the hanging flush then took a varying number of events with it, and
// about 1 run in 200 under -race accepted more than the 11 it expected.)
func TestWriterClosesSlowConsumerOnceAndNeverBlocks(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	var slow atomic.Int32
	w := &writer{maxQueue: 100, maxBatch: 1 << 10, onSlow: func(bool) { slow.Add(1) }, onError: func(error) {}}
	w.write = func([][]byte) error { <-gate; return nil }
	w.enqueue(make([]byte, 10))
	poll.CheckFor(t, time.Second, "the first event taken by the flush", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	var accepted atomic.Int32
	done := make(chan struct{})
	go func() { // enqueue must return even though nothing drains: a blocked one never closes done
		defer close(done)
		for i := 0; i < 1000; i++ {
			if w.enqueue(make([]byte, 10)) {
				accepted.Add(1)
			}
		}
	}()
	poll.CheckFor(t, 5*time.Second, "1000 enqueues to return", func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	})
	if slow.Load() != 1 {
		t.Fatalf("onSlow called %d times, want 1", slow.Load())
	}
	if n := accepted.Load(); n != 10 { // 100 bytes queued behind the event in flight
		t.Fatalf("accepted %d events after the one in flight, want 10", n)
	}
}

func TestWriterStopsOnWriteError(t *testing.T) {
	var errs atomic.Int32
	w := &writer{maxQueue: 1 << 10, maxBatch: 1 << 10, onSlow: func(bool) {}, onError: func(error) { errs.Add(1) }}
	w.write = func([][]byte) error { return errors.New("broken pipe") }
	w.enqueue([]byte("a"))
	poll.CheckFor(t, time.Second, "the write error reported", func() bool { return errs.Load() == 1 })
	if w.enqueue([]byte("b")) {
		t.Fatal("enqueue after a write error was accepted")
	}
}

// A write stuck for longer than maxStall is a reader that stopped reading: stalled says so
// once, calls onSlow(true) and closes the writer, although the queue is nowhere near full. A
// write in progress for less, or no write at all, is not stalled.
func TestWriterCallsAStuckWriteSlow(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	var slow, stalledSlow atomic.Int32
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, maxStall: time.Minute, onError: func(error) {}}
	w.onSlow = func(stalled bool) {
		slow.Add(1)
		if stalled {
			stalledSlow.Add(1)
		}
	}
	w.write = func([][]byte) error { <-gate; return nil }
	if w.stalled(time.Now().Add(time.Hour)) {
		t.Fatal("stalled with no write in progress")
	}
	w.enqueue([]byte("a"))
	poll.CheckFor(t, time.Second, "the first event taken by the flush", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	if w.stalled(time.Now()) {
		t.Fatal("stalled as soon as the write started")
	}
	if !w.enqueue([]byte("b")) {
		t.Fatal("an event queued behind a write shorter than maxStall was refused")
	}
	if !w.stalled(time.Now().Add(2 * time.Minute)) {
		t.Fatal("a write stuck for two minutes is not stalled (maxStall one)")
	}
	if w.stalled(time.Now().Add(2*time.Minute)) || w.enqueue([]byte("c")) {
		t.Fatal("the writer took more after it called the connection slow")
	}
	if slow.Load() != 1 || stalledSlow.Load() != 1 {
		t.Fatalf("onSlow called %d times (%d stalled), want once, stalled", slow.Load(), stalledSlow.Load())
	}
}

// The enqueue after a write has been stuck past maxStall notices it: the connection is slow
// with only a few bytes queued.
func TestWriterEnqueueNoticesAStuckWrite(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	var stalledSlow atomic.Int32
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, maxStall: 20 * time.Millisecond, onError: func(error) {}}
	w.onSlow = func(stalled bool) {
		if stalled {
			stalledSlow.Add(1)
		}
	}
	w.write = func([][]byte) error { <-gate; return nil }
	w.enqueue([]byte("a"))
	poll.CheckFor(t, 5*time.Second, "an enqueue refused behind the stuck write", func() bool { return !w.enqueue([]byte("b")) })
	if n := stalledSlow.Load(); n != 1 {
		t.Fatalf("onSlow(stalled) called %d times, want 1", n)
	}
}

// Writes that complete are never a stall, however long the connection lives.
func TestWriterCompletedWritesAreNotAStall(t *testing.T) {
	var frames atomic.Int32
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, maxStall: time.Millisecond, onError: func(error) {}}
	w.onSlow = func(bool) { t.Error("slow") }
	w.write = func([][]byte) error { frames.Add(1); return nil }
	w.enqueue([]byte("a"))
	poll.CheckFor(t, time.Second, "the flush goroutine to end", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return !w.running })
	if w.stalled(time.Now().Add(time.Hour)) {
		t.Fatal("stalled after the write completed")
	}
	if !w.enqueue([]byte("b")) {
		t.Fatal("refused after a completed write")
	}
	poll.CheckFor(t, time.Second, "two frames", func() bool { return frames.Load() == 2 })
}

// Time the node itself was late while a write was in progress is not the reader's: a write
// that took two minutes, of which the node spent ninety seconds saturated or paused, is not
// stuck under a one-minute limit; one more minute of the reader's own is.
func TestWriterDoesNotBlameTheNodesLateness(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	var lost atomic.Int64
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, maxStall: time.Minute, onError: func(error) {}, onSlow: func(bool) {}}
	w.lost = func() time.Duration { return time.Duration(lost.Load()) }
	w.write = func([][]byte) error { <-gate; return nil }
	lost.Store(int64(5 * time.Second)) // lateness before the write started does not count either way
	w.enqueue([]byte("a"))
	poll.CheckFor(t, time.Second, "the first event taken by the flush", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.queue) == 0 })
	lost.Add(int64(90 * time.Second))
	if w.stalled(time.Now().Add(2 * time.Minute)) {
		t.Fatal("a write blamed on the reader for the node's own 90 s of lateness")
	}
	if !w.stalled(time.Now().Add(3 * time.Minute)) {
		t.Fatal("a write stuck 90 s beyond the node's lateness is not stalled (maxStall one minute)")
	}
}
