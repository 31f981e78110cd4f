package hub

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// batchStore records the size of each batch it is given and stores nothing.
type batchStore struct {
	fechatter.Store
	mu    sync.Mutex
	sizes []int
}

func (s *batchStore) SendBatch(_ context.Context, ps []fechatter.SendParams) []fechatter.SendResult {
	s.mu.Lock()
	s.sizes = append(s.sizes, len(ps))
	s.mu.Unlock()
	// A commit's CPU, without parking the goroutine (parking would let the others run and
	// queue their sends, which is what the worker's yield is for).
	for start := time.Now(); time.Since(start) < 200*time.Microsecond; {
	}
	return make([]fechatter.SendResult, len(ps))
}

// Sends that arrive together share a batch even when the node has one P (a server pinned to
// one core). Without the busy worker's yield after its first request, the Go scheduler runs
// the woken worker next (runnext) each time: it takes the one send, commits it alone and
// blocks again, and every send costs a commit of its own. (The first batch is one send: the
// worker was idle, so it does not yield.)
func TestSendsArrivingTogetherShareABatch(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	st := &batchStore{}
	h := New(Config{Store: st, SendWorkers: 1})
	defer func() { h.cancel(); h.bg.Wait() }()
	const n = 32
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, _ := h.sends.send(context.Background(), fechatter.SendParams{ChatID: 1, SenderID: int64(i + 1), ClientID: fmt.Sprint(i), Text: "x"})
			if r.Err != nil {
				t.Errorf("send %d: %v", i, r.Err)
			}
		}()
	}
	close(start)
	wg.Wait()
	st.mu.Lock()
	defer st.mu.Unlock()
	total := 0
	for _, s := range st.sizes {
		total += s
	}
	if total != n || len(st.sizes) > n/4 {
		t.Fatalf("%d sends in %d batches %v; want all %d in at most %d", total, len(st.sizes), st.sizes, n, n/4)
	}
}
