package ratelimit_test

import (
	"context"
	"github.com/fechatter/fechatter/internal/logcount"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/fechatter/fechatter/internal/ratelimit/ratelimittest"
)

func sharedClient(t *testing.T) (*redis.Client, string) {
	_, prefix := ft.SharedRedis(t)
	c := redis.NewClient(&redis.Options{Addr: ft.RedisAddr()})
	t.Cleanup(func() { c.Close() })
	return c, prefix
}

func TestRedisConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T) ratelimittest.Limiter {
		c, prefix := sharedClient(t)
		return ratelimit.NewRedis(c, ratelimit.RedisOptions{Prefix: prefix})
	})
}

// Two nodes over one Redis meet one limit.
func TestRedisIsSharedByNodes(t *testing.T) {
	c, prefix := sharedClient(t)
	a := ratelimit.NewRedis(c, ratelimit.RedisOptions{Prefix: prefix})
	b := ratelimit.NewRedis(c, ratelimit.RedisOptions{Prefix: prefix})
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 4}
	ok := 0
	for i := range 8 {
		node := a
		if i%2 == 1 {
			node = b
		}
		if node.Allow(t.Context(), "send:7", lim).Allowed {
			ok++
		}
	}
	if ok != 4 {
		t.Fatalf("%d of 8 allowed across two nodes, want 4", ok)
	}
	keys, err := c.Keys(t.Context(), "rate:"+prefix+"ratelimit:send:7").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("key layout: %v %v", keys, err)
	}
	if ttl := c.TTL(t.Context(), keys[0]).Val(); ttl <= 0 || ttl > 4*time.Hour {
		t.Fatalf("key TTL %v: keys must expire once their limit is full again", ttl)
	}
}

const (
	downMsg = "ratelimit: redis unavailable; limits are per node until it is back"
	backMsg = "ratelimit: redis is back; limits are shared by every node again"
)

// With Redis gone, limits still hold (per node, never unlimited, never refusing everyone);
// the outage is logged once and counted; when Redis is back, checks go to it again.
func TestRedisOutageFallsBackToMemory(t *testing.T) {
	srv := ft.StartRedisServer(t)
	opts, err := redis.ParseURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = -1
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	reg := prometheus.NewRegistry()
	m := ratelimit.NewMetrics(reg)
	logs := &logcount.Handler{}
	l := ratelimit.NewRedis(c, ratelimit.RedisOptions{Retry: 20 * time.Millisecond, Logger: slog.New(logs), Metrics: m})
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 3}
	ctx := t.Context()

	for range 3 {
		if !l.Allow(ctx, "send:1", lim).Allowed {
			t.Fatal("refused under the limit")
		}
	}
	if l.Allow(ctx, "send:1", lim).Allowed {
		t.Fatal("allowed over the limit")
	}

	srv.Kill()
	// This node's memory takes over from zero: the limit still holds, per node.
	got := []bool{}
	for range 5 {
		got = append(got, l.Allow(ctx, "send:1", lim).Allowed)
	}
	if want := []bool{true, true, true, false, false}; !slices.Equal(got, want) {
		t.Fatalf("during the outage: %v, want %v", got, want)
	}
	if !l.Allow(ctx, "send:2", lim).Allowed {
		t.Fatal("another key is refused during the outage")
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) { // keep checking through several probe periods
		l.Allow(ctx, "send:3", lim)
		time.Sleep(5 * time.Millisecond) // pacing, not waiting for a condition
	}
	if n := logs.Count(downMsg); n != 1 {
		t.Fatalf("outage logged %d times, want once", n)
	}
	if n := testutil.ToFloat64(m.Outages()); n != 1 {
		t.Fatalf("outages counted: %v, want 1", n)
	}
	if n := testutil.ToFloat64(m.Fallbacks()); n < 8 {
		t.Fatalf("fallbacks counted: %v, want every check of the outage", n)
	}

	srv.Restart() // back, empty
	deadline = time.Now().Add(10 * time.Second)
	for logs.Count(backMsg) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("never noticed Redis was back")
		}
		l.Allow(ctx, "send:4", lim)
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	if n := c.Exists(ctx, "rate:fechatter:ratelimit:send:4").Val(); n != 1 {
		t.Fatal("checks do not reach Redis after the outage")
	}
}

// A check whose caller gave up says nothing about Redis.
func TestRedisCallerCancelIsNotAnOutage(t *testing.T) {
	c, prefix := sharedClient(t)
	logs := &logcount.Handler{}
	l := ratelimit.NewRedis(c, ratelimit.RedisOptions{Prefix: prefix, Logger: slog.New(logs)})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	l.Allow(ctx, "send:1", ratelimit.PerMinute(5))
	if n := logs.Count(downMsg); n != 0 {
		t.Fatal("a cancelled caller was taken for an outage")
	}
}
