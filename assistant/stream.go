package assistant

import (
	"sync"
	"time"
)

// streamer relays an answer's text so far as stream events: at once when the last one is
// at least interval old, otherwise once interval has passed (a trailing event), so a model
// that pauses never leaves the live text behind, and at most one event per interval.
type streamer struct {
	s             *Service
	chatID, msgID int64

	mu      sync.Mutex
	text    string
	last    time.Time
	pending bool
	stopped bool
	timer   *time.Timer
}

func (st *streamer) update(text string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.text = text
	if st.stopped || st.pending {
		return
	}
	if wait := st.s.cfg.StreamInterval - time.Since(st.last); wait > 0 {
		st.pending = true
		st.timer = time.AfterFunc(wait, st.tick)
		return
	}
	st.flush()
}

func (st *streamer) tick() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.pending && !st.stopped {
		st.flush()
	}
}

// flush publishes the text; st.mu is held.
func (st *streamer) flush() {
	st.pending, st.last = false, time.Now()
	st.s.cfg.Hub.Stream(st.chatID, st.msgID, st.text)
	st.s.m.streamed.Inc()
}

// stop ends the stream: no event after it returns (the final message_edited follows).
func (st *streamer) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.stopped = true
	if st.timer != nil {
		st.timer.Stop()
	}
}
