package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/fechatter/fechatter/internal/ratelimit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T) ratelimittest.Limiter {
		return ratelimit.NewMemory(ratelimit.MemoryOptions{})
	})
}

// clock is a hand-moved clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestMemoryExactArithmetic(t *testing.T) {
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	m := ratelimit.NewMemory(ratelimit.MemoryOptions{Now: clk.Now})
	lim := ratelimit.PerSecond(10, 30) // 100 ms per event, 30 at once
	ctx := context.Background()
	for i := range 30 {
		if !m.Allow(ctx, "k", lim).Allowed {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	r := m.Allow(ctx, "k", lim)
	if r.Allowed || r.RetryAfter != 100*time.Millisecond {
		t.Fatalf("31st event: %+v, want refused for exactly 100ms", r)
	}
	clk.Add(99 * time.Millisecond)
	if m.Allow(ctx, "k", lim).Allowed {
		t.Fatal("allowed 1ms early")
	}
	clk.Add(time.Millisecond)
	if !m.Allow(ctx, "k", lim).Allowed {
		t.Fatal("refused on time")
	}
	// Sustained: one every 100 ms goes through forever.
	for range 100 {
		clk.Add(100 * time.Millisecond)
		if !m.Allow(ctx, "k", lim).Allowed {
			t.Fatal("the sustained rate was refused")
		}
	}
}

// Keys whose limit is full again are swept away: idle keys cost nothing.
func TestMemoryForgetsIdleKeys(t *testing.T) {
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	m := ratelimit.NewMemory(ratelimit.MemoryOptions{Now: clk.Now})
	lim := ratelimit.PerMinute(30) // a key is full again 2 s after one event
	ctx := context.Background()
	for i := range 20000 {
		m.Allow(ctx, fmt.Sprint("auth:", i), lim)
	}
	if n := m.Len(); n != 20000 {
		t.Fatalf("%d keys held, want 20000", n)
	}
	clk.Add(3 * time.Second)
	for i := range 20000 {
		m.Allow(ctx, fmt.Sprint("auth:new-", i), lim)
	}
	if n := m.Len(); n > 25000 {
		t.Fatalf("%d keys held after the first 20000 went idle; idle keys are not swept", n)
	}
}

// Spraying keys cannot grow memory without bound, and the keys that are far from full (an
// attacker's locked-out address) outlive the one-shot keys of the spray.
func TestMemoryIsBounded(t *testing.T) {
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	m := ratelimit.NewMemory(ratelimit.MemoryOptions{Now: clk.Now, MaxKeys: 6400})
	ctx := context.Background()
	locked := ratelimit.Limit{Rate: 10, Period: 15 * time.Minute, Burst: 10}
	for range 10 {
		m.Allow(ctx, "login:victim", locked)
	}
	spray := ratelimit.PerMinute(30)
	for i := range 200000 {
		m.Allow(ctx, fmt.Sprint("auth:", i), spray)
	}
	if n := m.Len(); n > 6400 {
		t.Fatalf("%d keys held, bound 6400", n)
	}
	if m.Allow(ctx, "login:victim", locked).Allowed {
		t.Fatal("the spray evicted a locked key")
	}
}
