package hub

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/poll"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakeTransport is a transport whose writes block until released.
type fakeTransport struct {
	release chan struct{}
	err     error // what each write returns once released
	mu      sync.Mutex
	closed  []*Disconnect
}

func (f *fakeTransport) write(batch [][]byte) error {
	<-f.release
	return f.err
}

func (f *fakeTransport) close(d *Disconnect) {
	f.mu.Lock()
	f.closed = append(f.closed, d)
	f.mu.Unlock()
}

func (f *fakeTransport) closes() []*Disconnect {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Disconnect(nil), f.closed...)
}

// stuckClient is a ready client, live in chat 1, whose socket takes no bytes until the test ends.
func stuckClient(t *testing.T, h *Hub) (*Client, *fakeTransport) {
	ft := &fakeTransport{release: make(chan struct{})}
	t.Cleanup(func() { close(ft.release) })
	c := newClient(h, ft)
	c.cursors[1] = &cursor{live: true}
	c.ready = true
	return c, ft
}

// A write that fails because the socket is gone closes the client as lost, not as a client
// that stopped answering pings: the metric must not blame a peer that simply went away.
func TestFailedWriteIsALostConnection(t *testing.T) {
	h := New(Config{QueueLimit: 1000})
	defer h.close()
	ft := &fakeTransport{release: make(chan struct{}), err: errors.New("write: broken pipe")}
	close(ft.release)
	c := newClient(h, ft)
	c.cursors[1] = &cursor{live: true}
	c.ready = true
	c.deliverTimeline(1, 1, []byte(`{"type":"message"}`), 0)
	poll.CheckFor(t, 5*time.Second, "a close after the failed write", func() bool { return len(ft.closes()) > 0 })
	if got := ft.closes(); got[0] != DisconnectLost {
		t.Fatalf("closes = %v, want %v", got, DisconnectLost)
	}
}

// A client whose socket stops draining is closed with 4008 once its queue passes the limit,
// and the broadcaster never waits for it.
func TestSlowConsumerIsClosedWith4008(t *testing.T) {
	h := New(Config{QueueLimit: 1000})
	defer h.close()
	c, ft := stuckClient(t, h)
	event := make([]byte, 100)
	start := time.Now()
	for seq := int64(1); seq <= 50; seq++ {
		c.deliverTimeline(1, seq, event, 0)
	}
	if time.Since(start) > time.Second {
		t.Fatal("delivery blocked on a stuck socket")
	}
	got := ft.closes()
	if len(got) == 0 || got[0].Code != 4008 {
		t.Fatalf("closes = %v, want 4008", got)
	}
}

// A frame being handled finishes before a drain close takes effect.
func TestDrainCloseWaitsForTheFrameInFlight(t *testing.T) {
	h := New(Config{})
	defer h.close()
	ft := &fakeTransport{release: make(chan struct{})}
	close(ft.release)
	c := newClient(h, ft)
	c.busy.Store(true)
	c.closeAfterFrame(DisconnectRestart)
	if n := len(ft.closes()); n != 0 {
		t.Fatalf("closed %d times while a frame was in flight", n)
	}
	if !c.frameDone() {
		t.Fatal("frameDone did not report the pending close")
	}
	if got := ft.closes(); len(got) != 1 || got[0] != DisconnectRestart {
		t.Fatalf("closes = %v, want one 1012", got)
	}
}

// A client whose socket stops taking bytes is closed with 4008 once a write has been stuck for
// WriteTimeout, long before its queue reaches QueueLimit (1 MiB here), and delivery to it
// never blocks meanwhile.
func TestStalledReaderIsClosedWith4008BeforeItsQueueFills(t *testing.T) {
	h := New(Config{WriteTimeout: 50 * time.Millisecond})
	defer h.close()
	c, ft := stuckClient(t, h)
	event := make([]byte, 100)
	seq := int64(0)
	poll.CheckFor(t, 5*time.Second, "a 4008 close", func() bool {
		seq++
		c.deliverTimeline(1, seq, event, 0)
		got := ft.closes()
		return len(got) > 0 && got[0].Code == 4008
	})
	if queued := seq * int64(len(event)); queued >= int64(h.cfg.QueueLimit) {
		t.Fatalf("closed only after %d bytes: the queue limit did it, not the stuck write", queued)
	}
	if n := testutil.ToFloat64(h.m.slowStalled); n != 1 {
		t.Fatalf("fechatter_slow_consumer_stalls_total = %v, want 1", n)
	}
}

// Overload refusals in a row tell a connection to wait twice as long each time, up to
// maxRetry, and an accepted change starts it over.
func TestRefusalsInARowWaitLonger(t *testing.T) {
	h := New(Config{QueueLimit: 1000})
	defer h.close()
	ft := &fakeTransport{release: make(chan struct{})}
	close(ft.release)
	c := newClient(h, ft)
	refusal := fechatter.Overloaded(300*time.Millisecond, "message not sent")
	var got []time.Duration
	for range 8 {
		got = append(got, c.backOff(refusal).RetryAfter)
	}
	ms := time.Millisecond
	want := []time.Duration{300 * ms, 600 * ms, 1200 * ms, 2400 * ms, 4800 * ms, 9600 * ms, maxRetry, maxRetry}
	if !slices.Equal(got, want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	if e := c.backOff(refusal); e.Message != "message not sent; the server is overloaded, retry in 10000ms" {
		t.Fatalf("message %q does not say the longer wait", e.Message)
	}
	c.ack(json.RawMessage(`1`), fechatter.Message{ID: 1})
	if e := c.backOff(refusal); e.RetryAfter != 300*ms {
		t.Fatalf("after an ack the wait is %v, want the node's own 300ms", e.RetryAfter)
	}
}
