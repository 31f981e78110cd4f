package presence_test

import (
	"errors"
	"fmt"
	"github.com/fechatter/fechatter/internal/logcount"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fechatter/fechatter/presence"
)

// TestRedisOutage: with Redis killed, the tracker keeps local presence and
// returns errors; Run retries with backoff and, once a new (empty) server
// listens on the same port, re-registers the node's users.
func TestRedisOutage(t *testing.T) {
	port := freePort(t)
	kill := startRedisServer(t, port)
	c := redis.NewClient(&redis.Options{
		Addr:        fmt.Sprintf("127.0.0.1:%d", port),
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, MaxRetries: -1,
	})
	t.Cleanup(func() { c.Close() })
	var logs logcount.Handler
	const prefix = "outage:"
	tr := newRedis(t, c, presence.RedisOptions{NodeID: "n", Prefix: prefix, Logger: slog.New(&logs)})
	startRun(t, tr)
	ctx := t.Context()
	// Dial before the first call: an operation gets one Heartbeat (100 ms) in all, and a dial
	// on a loaded machine under -race can take most of that.
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error { return c.Ping(ctx).Err() })
	mustBool(t, "Connect 1", true)(tr.Connect(ctx, 1))

	kill()
	downAt := time.Now()
	checkDegraded(t, tr)

	// Run keeps trying, with backoff rather than a hot loop.
	const failed = "presence heartbeat failed"
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if n := logs.Count(failed); n < 4 {
			return fmt.Errorf("%d failed heartbeats so far", n)
		}
		return nil
	})
	down := time.Since(downAt)
	attempts := logs.Count(failed)
	t.Logf("%d heartbeat attempts in %v of outage", attempts, down)
	if limit := int(down/testHeartbeat) + 2; attempts > limit {
		t.Errorf("%d attempts in %v: faster than one per Heartbeat", attempts, down)
	}

	startRedisServer(t, port) // comes back empty
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := tr.Online(ctx, []int64{99})
		return err
	})
	// The heartbeat re-registered the local user; users who left are absent.
	if err := c.ZScore(ctx, prefix+"presence:user:2", "n").Err(); err != nil {
		t.Errorf("user 2 not re-registered: %v", err)
	}
	if ok := c.SIsMember(ctx, prefix+"presence:node:n", 2).Val(); !ok {
		t.Error("user 2 missing from the node set")
	}
	if n := c.Exists(ctx, prefix+"presence:user:1", prefix+"presence:user:3").Val(); n != 0 {
		t.Errorf("%d users that left are still registered", n)
	}
	if logs.Count("redis reachable again; presence re-registered") != 1 {
		t.Error("recovery not logged")
	}
	mustBool(t, "Connect after recovery", true)(tr.Connect(ctx, 4))
	mustBool(t, "Disconnect after recovery", true)(tr.Disconnect(ctx, 2))
	wantOnline(t, tr, map[int64]bool{1: false, 2: false, 3: false, 4: true})
}

// checkDegraded runs Connect, Online and Disconnect against a tracker whose
// Redis is down and user 1 connected: local answers, ErrUnavailable errors.
func checkDegraded(t *testing.T, tr *presence.Redis) {
	ctx := t.Context()
	became, err := tr.Connect(ctx, 2)
	if !became || !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Connect while down = %v, %v; want true, ErrUnavailable", became, err)
	}
	start := time.Now()
	became, err = tr.Connect(ctx, 3)
	if !became || !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Connect while down = %v, %v; want true, ErrUnavailable", became, err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Connect while known down took %v; want an immediate answer", d)
	}
	online, err := tr.Online(ctx, []int64{1, 2, 3, 4})
	if !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Online while down: err = %v", err)
	}
	if !online[1] || !online[2] || !online[3] || online[4] {
		t.Fatalf("Online while down = %v; want local knowledge {1,2,3}", online)
	}
	went, err := tr.Disconnect(ctx, 1)
	if !went || !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Disconnect while down = %v, %v; want true, ErrUnavailable", went, err)
	}
	went, err = tr.Disconnect(ctx, 3)
	if !went || !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Disconnect while down = %v, %v; want true, ErrUnavailable", went, err)
	}

}

// TestRedisRecoversFromABlipBeforeTheNextHeartbeat: one call timing out on a
// Redis that stalled for a moment (CLIENT PAUSE, as a saturated one does)
// degrades presence, and Run re-registers the node a tenth of a Heartbeat
// later instead of at the next heartbeat, 10 s away here.
func TestRedisRecoversFromABlipBeforeTheNextHeartbeat(t *testing.T) {
	port := freePort(t)
	startRedisServer(t, port)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{
		Addr: addr, DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, MaxRetries: -1,
	})
	admin := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close(); admin.Close() })
	const prefix, heartbeat = "blip:", 10 * time.Second
	tr := newRedis(t, c, presence.RedisOptions{NodeID: "n", Prefix: prefix, TTL: 3 * heartbeat, Heartbeat: heartbeat})
	ctx := t.Context()
	checkFor(t, 10*time.Second, 0, func() error { return c.Ping(ctx).Err() })
	startRun(t, tr)
	mustBool(t, "Connect 1", true)(tr.Connect(ctx, 1))

	if err := admin.Do(ctx, "CLIENT", "PAUSE", 600, "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	blip := time.Now()
	became, err := tr.Connect(ctx, 2)
	if !became || !errors.Is(err, presence.ErrUnavailable) {
		t.Fatalf("Connect during the blip = %v, %v; want true, ErrUnavailable", became, err)
	}
	if !tr.Degraded() {
		t.Fatal("not Degraded after a failed call")
	}
	// Without the early retry this waits for the next heartbeat, 8 – 12 s after the failure.
	checkFor(t, 5*time.Second, 0, func() error {
		if _, err := tr.Online(ctx, []int64{99}); err != nil {
			return err
		}
		return c.ZScore(ctx, prefix+"presence:user:2", "n").Err()
	})
	t.Logf("presence whole again %v after the blip began", time.Since(blip).Round(time.Millisecond))
	if tr.Degraded() {
		t.Fatal("still Degraded after the re-sync")
	}
	wantOnline(t, tr, map[int64]bool{1: true, 2: true, 3: false})
}
