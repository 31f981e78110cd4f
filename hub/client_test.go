package hub

import (
	"sync"
	"testing"
	"time"
)

// fakeTransport is a transport whose writes block until released.
type fakeTransport struct {
	release chan struct{}
	mu      sync.Mutex
	closed  []*Disconnect
}

func (f *fakeTransport) write(batch [][]byte) error {
	<-f.release
	return nil
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

// A client whose socket stops draining is closed with 4008 once its queue passes the limit,
// and the broadcaster never waits for it.
func TestSlowConsumerIsClosedWith4008(t *testing.T) {
	h := New(Config{QueueLimit: 1000})
	defer h.close()
	ft := &fakeTransport{release: make(chan struct{})}
	defer close(ft.release)
	c := newClient(h, ft)
	c.cursors[1] = &cursor{live: true}
	c.ready = true
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
