package hub

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
)

// pumped is a writer on pump p writing through pair's socket the way a WebSocket client's
// does (wsTransport.try first, write when the pump hands over).
func pumped(pair *rawPair, p *pump, failed *atomic.Int32) *writer {
	t := &wsTransport{conn: pair.server, raw: pair.raw}
	return &writer{
		maxQueue: 64 << 20,
		maxBatch: 1 << 20,
		write:    t.write,
		try:      t.try,
		pump:     p,
		onSlow:   func(bool) { failed.Add(1) },
		onError:  func(error) { failed.Add(1) },
	}
}

// readEvents reads frames from pair's client until it has n events, and checks that event i
// is want(i).
func readEvents(t *testing.T, pair *rawPair, n int, want func(i int) []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; {
		_, frame, err := pair.client.Read(ctx)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		for _, e := range bytes.Split(frame, []byte("\n")) {
			if i >= n || !bytes.Equal(e, want(i)) {
				t.Fatalf("event %d: %d bytes starting %q, not the one queued", i, len(e), e[:min(len(e), 8)])
			}
			i++
		}
	}
}

// A reader that stopped reading does not hold up the others on its pump: its socket fills,
// a goroutine takes over the rest of its frame, and the pump goes on to the next connection.
// When the reader reads again, everything arrives whole and in order.
func TestPumpHandsAFullSocketToAGoroutineAndGoesOn(t *testing.T) {
	stalled, other := newRawPair(t), newRawPair(t)
	var p pump
	var failed atomic.Int32
	ws, wo := pumped(stalled, &p, &failed), pumped(other, &p, &failed)
	defer func() { // closing the sockets ends a write stuck on them, even when the test failed
		stalled.raw.Close()
		other.raw.Close()
		ws.closeWait()
		wo.closeWait()
	}()

	// 32 MB for a reader that reads nothing yet: more than loopback's socket buffers take
	const n, size = 128, 250_000
	event := func(i int) []byte { return bytes.Repeat([]byte{'a' + byte(i%26)}, size) }
	for i := range n {
		if !ws.enqueue(event(i)) {
			t.Fatal("the stalled reader's queue refused an event")
		}
	}
	poll.CheckFor(t, 10*time.Second, "the stalled reader's flush to block on its socket", func() bool {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return !ws.since.IsZero() && len(ws.queue) > 0 && time.Since(ws.since) > 50*time.Millisecond
	})

	// the pump is free: the other connection's event goes out while the first still waits
	hello := func(int) []byte { return []byte(`{"type":"hello"}`) }
	if !wo.enqueue(hello(0)) {
		t.Fatal("the other queue refused its event")
	}
	readEvents(t, other, 1, hello)

	readEvents(t, stalled, n, event)
	if f := failed.Load(); f != 0 {
		t.Fatalf("%d writers failed", f)
	}
}

// While another write holds the connection's lock, tryFrame writes nothing and its rest
// writes the whole frame once the lock is free; a frame the socket takes whole needs no rest.
func TestTryFrameLeavesABusyConnectionToItsRest(t *testing.T) {
	pair := newRawPair(t)
	frame := appendTextFrame(nil, [][]byte{[]byte("second")})

	pair.raw.mu.Lock() // a control frame being written, say
	rest, err := pair.raw.tryFrame(frame)
	if err != nil || rest == nil {
		t.Fatalf("tryFrame on a busy connection: rest %v, %v; want a rest to call", rest != nil, err)
	}
	if _, err := pair.raw.Conn.Write(appendTextFrame(nil, [][]byte{[]byte("first")})); err != nil {
		t.Fatal(err)
	}
	pair.raw.mu.Unlock()
	if err := rest(); err != nil {
		t.Fatal(err)
	}
	third, err := pair.raw.tryFrame(appendTextFrame(nil, [][]byte{[]byte("third")}))
	if err != nil || third != nil {
		t.Fatalf("tryFrame on an idle socket: rest %v, %v; want it written whole", third != nil, err)
	}
	want := []string{"first", "second", "third"}
	readEvents(t, pair, len(want), func(i int) []byte { return []byte(want[i]) })
}
