package hub

import (
	"sync"
)

// writer is a connection's outbound queue. enqueue never blocks: it appends and, if no flush
// is running, starts one. A flush takes everything pending (up to maxBatch bytes) and hands it
// to write as one frame, events separated by '\n'. Past maxQueue bytes the connection is slow
// and onSlow is called once; the queue then refuses everything.
//
// The flush goroutine exists only while there is something to write, so an idle connection
// costs no goroutine here.
type writer struct {
	maxQueue int
	maxBatch int
	write    func(batch [][]byte) error // one frame; called from one goroutine at a time
	onSlow   func()
	onError  func(error)

	flushing sync.WaitGroup // the flush goroutine, while one runs

	mu      sync.Mutex
	queue   [][]byte
	size    int
	running bool
	closed  bool
}

// enqueue queues data; it reports false when the writer is closed or the queue overflowed.
func (w *writer) enqueue(data []byte) bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	if w.size+len(data) > w.maxQueue {
		w.closed = true
		w.queue, w.size = nil, 0
		w.mu.Unlock()
		w.onSlow()
		return false
	}
	w.queue = append(w.queue, data)
	w.size += len(data)
	start := !w.running
	w.running = true
	if start {
		w.flushing.Add(1)
	}
	w.mu.Unlock()
	if start {
		go w.flush()
	}
	return true
}

func (w *writer) flush() {
	defer w.flushing.Done()
	var batch [][]byte
	for {
		w.mu.Lock()
		if w.closed || len(w.queue) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		batch = batch[:0]
		n, taken := 0, 0
		for _, d := range w.queue {
			if taken > 0 && n+len(d) > w.maxBatch {
				break
			}
			batch = append(batch, d)
			n += len(d)
			taken++
		}
		clear(w.queue[:taken])
		w.queue = w.queue[taken:]
		if len(w.queue) == 0 {
			w.queue = nil // let the backing array go
		}
		w.size -= n
		w.mu.Unlock()

		if err := w.write(batch); err != nil {
			w.close()
			w.onError(err)
			return
		}
	}
}

// close drops what is pending and refuses further writes.
func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.queue, w.size = nil, 0
	w.mu.Unlock()
}

// closeWait closes the writer and waits for a write in progress to end, so nothing touches
// the transport afterwards.
func (w *writer) closeWait() {
	w.close()
	w.flushing.Wait()
}
