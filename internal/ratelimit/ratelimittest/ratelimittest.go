// Package ratelimittest is the conformance suite every rate-limit backend must pass. A
// backend's tests call Run with a factory of fresh, empty limiters.
package ratelimittest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/ratelimit"
)

// Limiter is the method set the suite exercises.
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) ratelimit.Result
	Reset(ctx context.Context, key string) error
}

// NewLimiter returns a fresh limiter holding no keys; the factory cleans up after the test.
type NewLimiter func(t *testing.T) Limiter

// Run runs the suite against limiters made by newLimiter.
func Run(t *testing.T, newLimiter NewLimiter) {
	tests := []struct {
		name string
		fn   func(t *testing.T, l Limiter)
	}{
		{"BurstThenLimited", testBurstThenLimited},
		{"BurstAboveRate", testBurstAboveRate},
		{"RefusalsCostNothing", testRefusalsCostNothing},
		{"KeysAreIndependent", testKeysIndependent},
		{"Refills", testRefills},
		{"Reset", testReset},
		{"Off", testOff},
		{"ConcurrentChecksAreAtomic", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newLimiter(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func allow(t *testing.T, l Limiter, key string, lim ratelimit.Limit, want bool) ratelimit.Result {
	t.Helper()
	r := l.Allow(ctx(t), key, lim)
	if r.Allowed != want {
		t.Fatalf("Allow(%s, %v) = %+v, want allowed=%v", key, lim, r, want)
	}
	if r.Allowed && r.RetryAfter != 0 || !r.Allowed && r.RetryAfter <= 0 {
		t.Fatalf("Allow(%s) = %+v: RetryAfter must be set exactly when refused", key, r)
	}
	return r
}

// near checks d is within [want-slack, want].
func near(t *testing.T, what string, d, want, slack time.Duration) {
	t.Helper()
	if d > want || d < want-slack {
		t.Fatalf("%s = %v, want %v (−%v)", what, d, want, slack)
	}
}

func testBurstThenLimited(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 3, Period: time.Hour, Burst: 3}
	for i := 2; i >= 0; i-- {
		if r := allow(t, l, "a", lim, true); r.Remaining != i {
			t.Fatalf("Remaining = %d, want %d", r.Remaining, i)
		}
	}
	r := allow(t, l, "a", lim, false)
	near(t, "RetryAfter", r.RetryAfter, 20*time.Minute, 10*time.Second) // one event costs an hour / 3
}

func testBurstAboveRate(t *testing.T, l Limiter) {
	lim := ratelimit.PerSecond(0.001, 5) // one per 1000 s, five at once
	for range 5 {
		allow(t, l, "b", lim, true)
	}
	r := allow(t, l, "b", lim, false)
	near(t, "RetryAfter", r.RetryAfter, 1000*time.Second, 10*time.Second)
}

func testRefusalsCostNothing(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	allow(t, l, "c", lim, true)
	first := allow(t, l, "c", lim, false).RetryAfter
	for range 20 {
		if r := allow(t, l, "c", lim, false); r.RetryAfter > first {
			t.Fatalf("a refused check moved the reopening later: %v after %v", r.RetryAfter, first)
		}
	}
}

func testKeysIndependent(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 2}
	allow(t, l, "send:1", lim, true)
	allow(t, l, "send:1", lim, true)
	allow(t, l, "send:1", lim, false)
	allow(t, l, "send:2", lim, true)
	allow(t, l, "auth:1", lim, true)
	// The same key under a looser limit still sees what was charged.
	allow(t, l, "send:1", ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 3}, true)
}

func testRefills(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 1, Period: 200 * time.Millisecond, Burst: 1}
	allow(t, l, "d", lim, true)
	r := allow(t, l, "d", lim, false)
	near(t, "RetryAfter", r.RetryAfter, 200*time.Millisecond, 200*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !l.Allow(ctx(t), "d", lim).Allowed {
		if time.Now().After(deadline) {
			t.Fatal("the limit never refilled")
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

func testReset(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	allow(t, l, "e", lim, true)
	allow(t, l, "e", lim, false)
	if err := l.Reset(ctx(t), "e"); err != nil {
		t.Fatal(err)
	}
	allow(t, l, "e", lim, true)
	if err := l.Reset(ctx(t), "never-seen"); err != nil {
		t.Fatalf("Reset of an unknown key: %v", err)
	}
}

func testOff(t *testing.T, l Limiter) {
	for _, lim := range []ratelimit.Limit{{}, {Rate: -1, Period: time.Second, Burst: 1}, {Rate: 1, Period: time.Second}, ratelimit.PerSecond(0, 10)} {
		if !lim.Off() {
			t.Fatalf("%+v is not off", lim)
		}
		for range 50 {
			allow(t, l, "f", lim, true)
		}
	}
}

func testConcurrent(t *testing.T, l Limiter) {
	lim := ratelimit.Limit{Rate: 40, Period: time.Hour, Burst: 40}
	var wg sync.WaitGroup
	var ok atomic.Int64
	errs := make(chan error, 20)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				r := l.Allow(t.Context(), "g", lim)
				if r.Allowed {
					ok.Add(1)
				} else if r.RetryAfter <= 0 {
					errs <- fmt.Errorf("goroutine %d: refused without RetryAfter", g)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := ok.Load(); n != 40 {
		t.Fatalf("%d of 100 concurrent checks allowed under a burst of 40", n)
	}
}
