package hub

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/poll"
)

// lineTransport keeps every event line written to it.
type lineTransport struct {
	mu    sync.Mutex
	lines []string
}

func (t *lineTransport) write(batch [][]byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, data := range batch {
		t.lines = append(t.lines, strings.Split(string(data), "\n")...)
	}
	return nil
}

func (t *lineTransport) close(*Disconnect) {}

// answers counts the pongs and rate_limited errors written, and the smallest retry hint.
func (t *lineTransport) answers() (pongs, limited int, retryMS int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	retryMS = -1
	for _, l := range t.lines {
		var e struct {
			Type  string
			Code  string
			Retry *int64 `json:"retry_after_ms"`
		}
		if json.Unmarshal([]byte(l), &e) != nil {
			continue
		}
		switch {
		case e.Type == "pong":
			pongs++
		case e.Code == fechatter.ERateLimited:
			limited++
			if e.Retry != nil && (retryMS < 0 || *e.Retry < retryMS) {
				retryMS = *e.Retry
			}
		}
	}
	return pongs, limited, retryMS
}

// The frame limit runs on the node's own time. A client past its burst is refused with a
// retry hint; but frames it sent at its pace while the node was stalled, which the node then
// reads in one go, all pass: the stall is given back to the limit's clock.
func TestFrameLimitGivesBackTheNodesStall(t *testing.T) {
	h := New(Config{FrameRate: 5}) // burst 10
	defer h.close()
	tr := &lineTransport{}
	c := newClient(h, tr)
	ping := []byte(`{"type":"ping","ref":1}`)
	for range 11 { // the burst, and one more
		c.handle(ping)
	}
	poll.CheckFor(t, 5*time.Second, "11 answers", func() bool { p, l, _ := tr.answers(); return p+l == 11 })
	if pongs, limited, retry := tr.answers(); pongs != 10 || limited != 1 || retry <= 0 {
		t.Fatalf("past the burst of 10: %d pongs, %d rate_limited (retry_after_ms %d); want 10, 1 with a hint", pongs, limited, retry)
	}

	h.load.addStall(2 * time.Second) // the node was late for 2 s: 10 frames' worth at 5/s
	for range 10 {
		c.handle(ping)
	}
	poll.CheckFor(t, 5*time.Second, "21 answers", func() bool { p, l, _ := tr.answers(); return p+l == 21 })
	if pongs, limited, _ := tr.answers(); pongs != 20 || limited != 1 {
		t.Fatalf("10 frames read in one go after a 2 s stall: %d pongs, %d rate_limited in all; want 20 and still 1", pongs, limited)
	}
}
