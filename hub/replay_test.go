package hub

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/hub/hubtest"
	"github.com/fechatter/fechatter/internal/poll"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// gatedStore is a timelineStore whose Events calls each wait for a release, counting how many
// run at once.
type gatedStore struct {
	timelineStore
	release  chan struct{}
	mu       sync.Mutex
	running  int
	most     int
	finished int
}

func (s *gatedStore) Events(ctx context.Context, chatID, afterSeq int64, limit int) ([]fechatter.Event, error) {
	s.mu.Lock()
	s.running++
	s.most = max(s.most, s.running)
	s.mu.Unlock()
	<-s.release
	s.mu.Lock()
	s.running--
	s.finished++
	s.mu.Unlock()
	return s.timelineStore.Events(ctx, chatID, afterSeq, limit)
}

func (s *gatedStore) counts() (running, most, finished int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running, s.most, s.finished
}

// A reconnect storm's replays take turns at the store: with ReplayConcurrency 1, five
// connections that all missed the same events read them one after the other (the others
// counted as waiting), and each still gets everything, in order.
func TestReplaysTakeTurnsAtTheStore(t *testing.T) {
	const chat, conns = 1, 5
	st := &gatedStore{timelineStore: timelineStore{evs: messageEvents(chat, 3)}, release: make(chan struct{})}
	b := hubtest.New()
	m := NewMetrics(nil)
	h := New(Config{Store: st, Broker: b, ReplayConcurrency: 1, Metrics: m})
	b.Attach(h)
	defer h.close()
	var trs []*seqTransport
	for range conns {
		c, tr := joinAt(t, h, chat, 0)
		trs = append(trs, tr)
		c.mu.Lock()
		c.cursors[chat].pending = 3
		c.needCatchup(chat)
		c.mu.Unlock()
	}
	poll.CheckFor(t, 5*time.Second, "one replay reading, the others waiting", func() bool {
		running, _, _ := st.counts()
		return running == 1 && testutil.ToFloat64(m.replaysWaiting) == conns-1
	})
	for i := range conns {
		st.release <- struct{}{}
		poll.CheckFor(t, 5*time.Second, "the next replay's turn", func() bool {
			_, _, finished := st.counts()
			return finished == i+1
		})
	}
	if _, most, _ := st.counts(); most != 1 {
		t.Fatalf("%d replays read the store at once, want 1", most)
	}
	for i, tr := range trs {
		poll.CheckFor(t, 5*time.Second, "every connection at seq 3", func() bool { return tr.last() == 3 })
		tr.mu.Lock()
		got := append([]int64(nil), tr.seqs...)
		tr.mu.Unlock()
		if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
			t.Fatalf("connection %d got %v, want 1 2 3", i, got)
		}
	}
}

// While the node is past its budget a replay waits for it (live delivery first), and reads
// once the node is back under it.
func TestReplayWaitsWhileTheNodeIsLate(t *testing.T) {
	const chat = 1
	st := &timelineStore{evs: messageEvents(chat, 2)}
	b := hubtest.New()
	m := NewMetrics(nil)
	h := New(Config{Store: st, Broker: b, Metrics: m, OverloadBudget: 100 * time.Millisecond})
	b.Attach(h)
	defer h.close()
	var late sync.Mutex
	lateness := time.Second
	extra := func() time.Duration { late.Lock(); defer late.Unlock(); return lateness }
	h.load.extra.Store(&extra)
	c, tr := joinAt(t, h, chat, 0)
	c.mu.Lock()
	c.cursors[chat].pending = 2
	c.needCatchup(chat)
	c.mu.Unlock()
	poll.CheckFor(t, 5*time.Second, "the replay waiting", func() bool { return testutil.ToFloat64(m.replaysWaiting) == 1 })
	if got := tr.last(); got != 0 {
		t.Fatalf("a late node replayed up to seq %d", got)
	}
	late.Lock()
	lateness = 0
	late.Unlock()
	poll.CheckFor(t, 5*time.Second, "the replay done once the node is on time", func() bool { return tr.last() == 2 })
}
