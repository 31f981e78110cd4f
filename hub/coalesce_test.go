package hub

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// frameLog records the frames a writer writes and fails the test if two writes overlap.
type frameLog struct {
	t      *testing.T
	mu     sync.Mutex
	frames []string
	busy   bool
}

func (l *frameLog) write(b [][]byte) error {
	l.mu.Lock()
	if l.busy {
		l.t.Error("two writes at once")
	}
	l.busy = true
	l.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.busy = false
	l.frames = append(l.frames, string(bytes.Join(b, []byte(","))))
	return nil
}

func (l *frameLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.frames...)
}

// coalescedWriter returns a writer behind a coalescer whose timer never fires within a test:
// the tests release it themselves.
func coalescedWriter(t *testing.T) (*writer, *coalescer, *frameLog) {
	log := &frameLog{t: t}
	c := newCoalescer(time.Hour)
	w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, coalesce: c, write: log.write,
		onSlow: func(bool) { t.Error("slow") }, onError: func(error) { t.Error("write failed") }}
	return w, c, log
}

// firstFrame writes "a", the writer's first frame: nothing was written before, so at once.
func firstFrame(t *testing.T, w *writer, log *frameLog) {
	t.Helper()
	w.enqueue([]byte("a"))
	poll.CheckFor(t, time.Second, "the first frame", func() bool { return len(log.get()) == 1 })
	w.flushing.Wait()
}

func (w *writer) isHeld() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.held
}

func TestABusyConnectionsEventsShareOneFrame(t *testing.T) {
	w, c, log := coalescedWriter(t)
	firstFrame(t, w, log)

	for _, s := range []string{"b", "c", "d"} {
		w.enqueue([]byte(s))
	}
	if !w.isHeld() {
		t.Fatal("an event right after a frame was not held back")
	}
	if got := log.get(); len(got) != 1 {
		t.Fatalf("frames before the release = %q, want only the first", got)
	}
	c.release()
	poll.CheckFor(t, time.Second, "the held frame", func() bool { return len(log.get()) == 2 })
	w.flushing.Wait()
	if got := log.get(); got[1] != "b,c,d" {
		t.Fatalf("frames = %q, want b,c,d in one frame", got)
	}
}

func TestAQuietConnectionIsWrittenAtOnce(t *testing.T) {
	w, _, log := coalescedWriter(t)
	w.coalesce = newCoalescer(50 * time.Millisecond)
	w.taken = time.Now().Add(-time.Second) // its last frame was long ago
	w.enqueue([]byte("a"))
	if w.isHeld() {
		t.Fatal("an event to a connection quiet for longer than the delay was held back")
	}
	poll.CheckFor(t, time.Second, "the frame", func() bool { return len(log.get()) == 1 })
	w.flushing.Wait()
}

func TestAnAckIsNotHeldBack(t *testing.T) {
	w, c, log := coalescedWriter(t)
	firstFrame(t, w, log)

	w.enqueue([]byte("b")) // held
	w.put([]byte("ack"), true)
	poll.CheckFor(t, time.Second, "the frame with the ack", func() bool { return len(log.get()) == 2 })
	if got := log.get(); got[1] != "b,ack" {
		t.Fatalf("frames = %q, want the held event and the ack in the second", got)
	}
	w.flushing.Wait()
	c.release() // the writer it held was flushed already: it must not start a second flush
	w.flushing.Wait()
	if w.running {
		t.Fatal("running after everything was written")
	}

	w.put([]byte("ack2"), true) // an ack to a busy connection that holds nothing: at once
	poll.CheckFor(t, time.Second, "the third frame", func() bool { return len(log.get()) == 3 })
	w.flushing.Wait()
}

func TestClosingAHeldWriterDoesNotWaitForTheRelease(t *testing.T) {
	w, c, log := coalescedWriter(t)
	firstFrame(t, w, log)
	w.enqueue([]byte("b"))
	if !w.isHeld() {
		t.Fatal("not held")
	}
	done := make(chan struct{})
	go func() { w.closeWait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("closeWait waited for the coalescer")
	}
	c.release()
	w.flushing.Wait()
	if got := log.get(); len(got) != 1 {
		t.Fatalf("frames = %q: a closed writer wrote its held event", got)
	}
}

func TestTheCoalescersTimerReleasesEveryHeldWriter(t *testing.T) {
	c := newCoalescer(time.Millisecond)
	var logs []*frameLog
	var ws []*writer
	for range 50 {
		log := &frameLog{t: t}
		w := &writer{maxQueue: 1 << 20, maxBatch: 1 << 10, coalesce: c, write: log.write,
			onSlow: func(bool) {}, onError: func(error) {}, taken: time.Now()}
		w.enqueue([]byte("x"))
		logs, ws = append(logs, log), append(ws, w)
	}
	for i, w := range ws {
		poll.CheckFor(t, 5*time.Second, "a held writer's frame", func() bool { return len(logs[i].get()) == 1 })
		w.flushing.Wait()
	}
}

func TestNoCoalescerNeverHolds(t *testing.T) {
	if newCoalescer(0) != nil || newCoalescer(-1) != nil {
		t.Fatal("a coalescer for a delay <= 0")
	}
	var c *coalescer
	if c.busy(time.Now(), time.Now()) {
		t.Fatal("a nil coalescer holds")
	}
}

func TestALateNodeHoldsFramesLonger(t *testing.T) {
	c := newCoalescer(10 * time.Millisecond)
	last := time.Now()
	if c.busy(last, last.Add(30*time.Millisecond)) {
		t.Fatal("busy 30 ms after a frame with a 10 ms delay")
	}
	c.adapt(80 * time.Millisecond)
	if !c.busy(last, last.Add(30*time.Millisecond)) {
		t.Fatal("a node 80 ms late does not hold a frame 30 ms after the last (delay 40 ms)")
	}
	c.adapt(time.Hour)
	if c.busy(last, last.Add(maxStretch*10*time.Millisecond)) {
		t.Fatalf("the delay stretched past %d × its base", maxStretch)
	}
	c.adapt(0)
	if c.busy(last, last.Add(10*time.Millisecond)) {
		t.Fatal("the delay did not come back to its base once the node caught up")
	}
}
