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
		if got, clock := l.latenessBy(t0, c.after); got != c.want || clock != c.wantClock {
			t.Errorf("latenessBy(after t0%+v) = %v by %s, want %v by %s", c.after.Sub(t0), got, clock, c.want, c.wantClock)
		}
	}
}
