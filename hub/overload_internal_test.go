package hub

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/poll"
	dto "github.com/prometheus/client_model/go"
)

func extended(t *testing.T, h *Hub, what string) float64 {
	t.Helper()
	var m dto.Metric
	if err := h.m.forgiven.WithLabelValues(what).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// A client deadline counts only the node's own time: when the node was late meanwhile (its
// scheduler probe fired late by that much), the deadline moves by as much instead of firing.
func TestDeadlineGivesBackTheNodesStall(t *testing.T) {
	h := New(Config{})
	defer h.cancel()
	fired := make(chan struct{})
	stop := h.deadline(50*time.Millisecond, "auth", func() { close(fired) })
	h.load.addStall(time.Hour) // the node stalls right after the deadline is armed
	poll.CheckFor(t, 5*time.Second, "the auth deadline extended", func() bool { return extended(t, h, "auth") >= 1 })
	select {
	case <-fired:
		t.Fatal("the deadline fired although the node itself was late")
	default:
	}
	if !stop() {
		t.Fatal("stop did not report the deadline as pending")
	}

	// without a stall it fires (within its cap of 10× even on a busy machine)
	fired2 := make(chan struct{})
	h.deadline(20*time.Millisecond, "auth", func() { close(fired2) })
	select {
	case <-fired2:
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline never fired")
	}
}

// Refusal hints stay within their bounds.
func TestRetryAfterIsBounded(t *testing.T) {
	for _, c := range []struct{ late, want time.Duration }{
		{0, 250 * time.Millisecond}, {800 * time.Millisecond, 800 * time.Millisecond}, {time.Minute, 10 * time.Second},
	} {
		if got := retryAfter(c.late); got != c.want {
			t.Errorf("retryAfter(%v) = %v, want %v", c.late, got, c.want)
		}
	}
}

// Lateness "after" a moment counts only the waits that began after it: a reading the clocks
// still hold from before (a commit that waited 300 ms and ended 100 ms ago began 400 ms ago)
// is left out, a wait that began later is counted, and the zero time counts everything.
func TestLatenessAfterLeavesOutWaitsBegunBefore(t *testing.T) {
	l := &load{}
	t0 := time.Now()
	l.commit.observe(300*time.Millisecond, t0.Add(-100*time.Millisecond)) // began at t0-400ms
	l.sched.observe(50*time.Millisecond, t0)                              // began at t0-50ms
	for _, c := range []struct {
		after     time.Time
		want      time.Duration
		wantClock string
	}{
		{time.Time{}, 300 * time.Millisecond, "commit"},
		{t0.Add(-time.Second), 300 * time.Millisecond, "commit"},
		{t0.Add(-200 * time.Millisecond), 50 * time.Millisecond, "scheduler"},
		{t0.Add(-10 * time.Millisecond), 0, "scheduler"},
	} {
		if got, clock := l.latenessBy(t0, c.after, &l.commit); got != c.want || clock != c.wantClock {
			t.Errorf("latenessBy(after t0%+v) = %v by %s, want %v by %s", c.after.Sub(t0), got, clock, c.want, c.wantClock)
		}
	}
}

// Pacing does not count a send's wait for the batch in progress: under group commit that is
// the store's latency, and fewer sends would not shorten it. A queue deeper than a batch
// counts, one batch time per batch queued ahead. Lateness (the gauge, /readyz, the refusal
// of a send past the budget) counts both.
func TestPacingCountsABacklogNotASlowCommit(t *testing.T) {
	h := New(Config{Store: &batchStore{}, SendWorkers: 1, MaxBatch: 4, OverloadBudget: 500 * time.Millisecond})
	h.cancel() // no probe, no workers: the test sets the clocks and plays the worker
	h.bg.Wait()
	h.load.sched = recent{}
	s := newSender(h, 1, 4, 64)
	h.sends = s
	now := time.Now()
	s.busy[0].Store(now.Add(-300 * time.Millisecond).UnixNano()) // a commit in progress for 300 ms
	s.took[0].Store(int64(100 * time.Millisecond))               // the batch before took 100 ms
	for range 3 {                                                // three sends behind it: they fit the next batch
		s.queues[0] <- &sendReq{at: now}
	}
	if late, clock := h.latenessBy(now, time.Time{}); late < 300*time.Millisecond || clock != "commit" {
		t.Fatalf("lateness %v by %s with a commit 300 ms in progress, want >= 300 ms by commit", late, clock)
	}
	if paced, _ := h.pacingBy(now, time.Time{}); paced != 0 {
		t.Fatalf("pacing counts %v for a slow commit with less than a batch queued, want 0", paced)
	}
	for range 6 { // nine queued: two batches ahead of the last
		s.queues[0] <- &sendReq{at: now}
	}
	if paced, clock := h.pacingBy(now, time.Time{}); paced != 200*time.Millisecond || clock != "commit" {
		t.Fatalf("pacing counts %v by %s with two batches of 100 ms queued, want 200ms by commit", paced, clock)
	}
	h.load.commit.observe(400*time.Millisecond, now) // a send waited 400 ms, of which 390 for the batch before
	h.load.backlog.observe(10*time.Millisecond, now)
	if paced, _ := h.pacingBy(now, now.Add(-time.Millisecond)); paced != 0 {
		t.Fatalf("pacing after a moment counts %v from waits begun before it, want 0", paced)
	}
}
