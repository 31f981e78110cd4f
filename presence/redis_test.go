package presence_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fechatter/fechatter/presence"
	"github.com/fechatter/fechatter/presence/presencetest"
)

func TestRedisConformance(t *testing.T) {
	c := testRedis(t)
	presencetest.Run(t, func(t *testing.T) (presencetest.Tracker, func()) {
		tr := newRedis(t, c, presence.RedisOptions{Prefix: testPrefix(t, c)})
		stop := startRun(t, tr)
		return tr, stop
	})
}

func TestNewRedisValidates(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := presence.NewRedis(c, presence.RedisOptions{}); err == nil {
		t.Error("missing NodeID accepted")
	}
	if _, err := presence.NewRedis(c, presence.RedisOptions{NodeID: "n", TTL: time.Second, Heartbeat: time.Second}); err == nil {
		t.Error("Heartbeat >= TTL accepted")
	}
	if _, err := presence.NewRedis(c, presence.RedisOptions{NodeID: presence.NewNodeID()}); err != nil {
		t.Errorf("defaults rejected: %v", err)
	}
}

// TestRedisTwoNodes: a user online on two nodes stays online until the last
// node lets go.
func TestRedisTwoNodes(t *testing.T) {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	a := newRedis(t, c, presence.RedisOptions{NodeID: "a", Prefix: prefix})
	b := newRedis(t, c, presence.RedisOptions{NodeID: "b", Prefix: prefix})
	startRun(t, a)
	startRun(t, b)
	ctx := t.Context()

	mustBool(t, "a.Connect", true)(a.Connect(ctx, 5))
	mustBool(t, "b.Connect", false)(b.Connect(ctx, 5))
	mustBool(t, "b.Connect second tab", false)(b.Connect(ctx, 5))
	wantOnline(t, b, map[int64]bool{5: true, 6: false})
	mustBool(t, "a.Disconnect", false)(a.Disconnect(ctx, 5))
	wantOnline(t, a, map[int64]bool{5: true}) // known only through Redis now
	mustBool(t, "b.Disconnect", false)(b.Disconnect(ctx, 5))
	mustBool(t, "b.Disconnect last", true)(b.Disconnect(ctx, 5))
	wantOnline(t, a, map[int64]bool{5: false})

	// Every key carries a TTL.
	mustBool(t, "a.Connect", true)(a.Connect(ctx, 8))
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	for _, k := range keys {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s has no TTL (%v)", k, ttl)
		}
	}
}

// TestRedisCrashedNodeSwept: a node that stops heartbeating without
// disconnecting is swept by the survivor within TTL+Heartbeat.
func TestRedisCrashedNodeSwept(t *testing.T) {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	var offline recorder
	a := newRedis(t, c, presence.RedisOptions{NodeID: "crash", Prefix: prefix})
	b := newRedis(t, c, presence.RedisOptions{NodeID: "survivor", Prefix: prefix, OnOffline: offline.add})
	stopA := startRun(t, a)
	startRun(t, b)
	ctx := t.Context()
	mustBool(t, "a.Connect 1", true)(a.Connect(ctx, 1))
	mustBool(t, "a.Connect 2", true)(a.Connect(ctx, 2))
	mustBool(t, "b.Connect 2", false)(b.Connect(ctx, 2))
	mustBool(t, "a.Connect 3", true)(a.Connect(ctx, 3))
	mustBool(t, "a.Disconnect 3", true)(a.Disconnect(ctx, 3)) // clean leave: never reported

	stopA() // the crash: no more heartbeats, no disconnects
	crashed := time.Now()
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got, _ := offline.get(); len(got) == 0 {
			return fmt.Errorf("no OnOffline yet")
		}
		return nil
	})
	got, at := offline.get()
	elapsed := at.Sub(crashed)
	bound := testTTL + testHeartbeat
	t.Logf("crash to OnOffline: %v (bound TTL+Heartbeat = %v)", elapsed, bound)
	if !slices.Equal(got, []int64{1}) {
		t.Fatalf("OnOffline got %v, want [1]", got)
	}
	if slack := 400 * time.Millisecond; elapsed > bound+slack {
		t.Errorf("swept after %v, want within %v (+%v scheduling slack)", elapsed, bound, slack)
	}
	wantOnline(t, b, map[int64]bool{1: false, 2: true, 3: false})
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := c.Exists(ctx, prefix+"presence:node:crash").Val(); n != 0 {
			return fmt.Errorf("dead node's set still exists")
		}
		if err := c.ZScore(ctx, prefix+"presence:nodes", "crash").Err(); err != redis.Nil {
			return fmt.Errorf("dead node still in nodes set: %v", err)
		}
		return nil
	})
}

// TestRedisOneSurvivorSweeps: with two survivors, exactly one reports the
// dead node's users, each once. (A sweep that fails midway is retried by the
// other survivor once the lock expires, so OnOffline is at least once: the
// nodes get a one-second operation timeout here, which a loaded machine does
// not reach, where the default test heartbeat's timeout was reached.)
func TestRedisOneSurvivorSweeps(t *testing.T) {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	var recB, recC recorder
	opts := func(node string, rec *recorder) presence.RedisOptions {
		o := presence.RedisOptions{NodeID: node, Prefix: prefix, TTL: 3 * time.Second, Heartbeat: time.Second}
		if rec != nil {
			o.OnOffline = rec.add
		}
		return o
	}
	a := newRedis(t, c, opts("dead", nil))
	b := newRedis(t, c, opts("b", &recB))
	cc := newRedis(t, c, opts("c", &recC))
	stopA := startRun(t, a)
	startRun(t, b)
	startRun(t, cc)
	ctx := t.Context()
	const n = 1500 // more than one SSCAN batch
	for _, id := range ids(n) {
		mustBool(t, "a.Connect", true)(a.Connect(ctx, id))
	}
	stopA()
	tomb := prefix + "presence:lock:dead"
	checkFor(t, 20*time.Second, 10*time.Millisecond, func() error {
		// The tombstone is written after the last OnOffline call.
		if v := c.Get(ctx, tomb).Val(); len(v) < 5 || v[:5] != "swept" {
			return fmt.Errorf("not swept yet (lock %q)", v)
		}
		return nil
	})
	gotB, _ := recB.get()
	gotC, _ := recC.get()
	if len(gotB) > 0 && len(gotC) > 0 {
		t.Fatalf("both survivors reported: b %d users, c %d users", len(gotB), len(gotC))
	}
	got := append(gotB, gotC...)
	slices.Sort(got)
	if !slices.Equal(got, ids(n)) {
		t.Fatalf("reported %d users, want each of 1..%d once", len(got), n)
	}
}

// TestRedisSweptNodeComesBack: a node cut off longer than TTL is swept; when
// it heartbeats again it re-registers its users and reports them to OnOnline.
func TestRedisSweptNodeComesBack(t *testing.T) {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	var offline, online recorder
	a := newRedis(t, c, presence.RedisOptions{NodeID: "a", Prefix: prefix, OnOnline: online.add})
	b := newRedis(t, c, presence.RedisOptions{NodeID: "b", Prefix: prefix, OnOffline: offline.add})
	stopA := startRun(t, a)
	startRun(t, b)
	ctx := t.Context()
	mustBool(t, "a.Connect", true)(a.Connect(ctx, 42))
	stopA()
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got, _ := offline.get(); !slices.Equal(got, []int64{42}) {
			return fmt.Errorf("OnOffline got %v", got)
		}
		return nil
	})
	wantOnline(t, b, map[int64]bool{42: false})
	startRun(t, a) // a was only paused: its connection is still open
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got, _ := online.get(); !slices.Equal(got, []int64{42}) {
			return fmt.Errorf("OnOnline got %v", got)
		}
		return nil
	})
	wantOnline(t, b, map[int64]bool{42: true})
}

func mustBool(t *testing.T, what string, want bool) func(bool, error) {
	t.Helper()
	return func(got bool, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != want {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

func wantOnline(t *testing.T, tr interface {
	Online(context.Context, []int64) (map[int64]bool, error)
}, want map[int64]bool) {
	t.Helper()
	var q []int64
	for id := range want {
		q = append(q, id)
	}
	got, err := tr.Online(t.Context(), q)
	if err != nil {
		t.Fatalf("Online: %v", err)
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("Online[%d] = %v, want %v", id, got[id], w)
		}
	}
}
