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
