package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/poll"
)

func TestCursorTokenRoundTrip(t *testing.T) {
	c := &Client{cursors: map[int64]*cursor{}}
	want := map[int64]int64{3: 0, 7: 41, 1 << 40: 1 << 33, 12: 5}
	for id, s := range want {
		c.cursors[id] = &cursor{seq: s}
	}
	got, err := decodeCursorToken(c.cursorToken())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for id, s := range want {
		if got[id] != s {
			t.Fatalf("chat %d: got %d, want %d", id, got[id], s)
		}
	}
}

func TestCursorTokenRejectsGarbage(t *testing.T) {
	for _, tok := range []string{"", "v2.AAA", "v1.!!", "v1.gA", "nonsense", "v1." + string(make([]byte, 70<<10))} {
		if _, err := decodeCursorToken(tok); err == nil {
			t.Errorf("%.20q accepted", tok)
		}
	}
}

func FuzzDecodeCursorToken(f *testing.F) {
	f.Add("v1.AwAEKQ")
	f.Fuzz(func(t *testing.T, tok string) {
		_, _ = decodeCursorToken(tok) // must not panic
	})
}

// frameTransport is a transport that keeps every frame written, each as its events.
type frameTransport struct {
	mu     sync.Mutex
	frames [][]string
}

func (f *frameTransport) write(batch [][]byte) error {
	var frame []string
	for _, e := range batch {
		frame = append(frame, string(e))
	}
	f.mu.Lock()
	f.frames = append(f.frames, frame)
	f.mu.Unlock()
	return nil
}

func (f *frameTransport) close(*Disconnect) {}

func (f *frameTransport) written() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.frames)
}

// The sender's own copy of its message goes out in its ack's frame, ahead of the ack, when it
// is the chat's next event for that connection; the copy then arriving from the broker is not
// delivered again. When an earlier event is still on its way, the ack goes alone and the copy
// comes the usual way, in order.
func TestSendersCopyRidesInItsAcksFrame(t *testing.T) {
	h := New(Config{QueueLimit: 1 << 20})
	defer h.close()
	log := &frameTransport{}
	c := newClient(h, log)
	c.cursors[1] = &cursor{live: true, seq: 4}
	c.ready = true
	event := func(seq int64) []byte { return fmt.Appendf(nil, `{"type":"message","seq":%d}`, seq) }
	sent := func(seq int64) fechatter.Event {
		return fechatter.Event{ChatID: 1, Seq: seq, Message: fechatter.Message{ChatID: 1, Seq: seq}}
	}
	framesAfter := func(n int) [][]string {
		poll.CheckFor(t, 5*time.Second, fmt.Sprintf("%d frames", n), func() bool { return len(log.written()) >= n })
		return log.written()
	}

	c.ackSent(json.RawMessage(`"r5"`), sent(5), event(5))
	c.deliverTimeline(1, 5, event(5), 0) // the broker's copy
	got := framesAfter(1)
	if len(got[0]) != 2 || got[0][0] != string(event(5)) || !strings.Contains(got[0][1], `"ack"`) {
		t.Fatalf("first frame %q, want the copy then the ack", got[0])
	}

	// seq 6 is still on its way when 7's ack is ready: 7's copy must wait for it
	c.ackSent(json.RawMessage(`"r7"`), sent(7), event(7))
	got = framesAfter(2)
	if len(got[1]) != 1 || !strings.Contains(got[1][0], `"ack"`) {
		t.Fatalf("second frame %q, want the ack alone", got[1])
	}
	c.deliverTimeline(1, 6, event(6), 0)
	c.deliverTimeline(1, 7, event(7), 0)
	c.deliverTimeline(1, 5, event(5), 0) // late duplicates are dropped
	c.deliverTimeline(1, 7, event(7), 0)
	poll.CheckFor(t, 5*time.Second, "6 and 7 delivered", func() bool {
		var n int
		for _, f := range log.written() {
			n += len(f)
		}
		return n >= 5
	})
	var events []string
	for _, f := range log.written() {
		for _, e := range f {
			if !strings.Contains(e, `"ack"`) {
				events = append(events, e)
			}
		}
	}
	if want := []string{string(event(5)), string(event(6)), string(event(7))}; !slices.Equal(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}

	// a duplicate send (nothing published) and a connection that is not live get the ack alone
	all := func() []string {
		var out []string
		for _, f := range log.written() {
			out = append(out, f...)
		}
		return out
	}
	before := len(all())
	c.ackSent(json.RawMessage(`"again"`), sent(7), nil)
	c.mu.Lock()
	c.cursors[1].live = false
	c.mu.Unlock()
	c.ackSent(json.RawMessage(`"r8"`), sent(8), event(8))
	poll.CheckFor(t, 5*time.Second, "two more acks", func() bool { return len(all()) >= before+2 })
	if got := all()[before:]; len(got) != 2 || !strings.Contains(got[0], `"again"`) || !strings.Contains(got[1], `"r8"`) {
		t.Fatalf("after a duplicate and a send while not live: %q, want the two acks alone", got)
	}
}
