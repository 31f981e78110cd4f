package loadtest_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/loadtest"
	loadseed "github.com/fechatter/fechatter/loadtest/seed"
)

// seed boots a real node and seeds it through its store, as `fechatter seed` does.
func seed(t *testing.T, users, chats, members int) (*fechattertest.Server, *loadseed.File) {
	t.Helper()
	srv := fechattertest.Start(t, fechattertest.Options{})
	hash, err := auth.NewHasher(fechattertest.FastArgon2, 1).Hash(t.Context(), "load-test-pw")
	if err != nil {
		t.Fatal(err)
	}
	f, err := loadseed.Create(t.Context(), srv.Store, srv.Issuer, loadseed.Config{
		Users: users, Chats: chats, Members: members, Password: "load-test-pw", PasswordHash: hash,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The file round trip is part of the path a real run takes.
	path := t.TempDir() + "/seed.json"
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if f, err = loadseed.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	return srv, f
}

func run(t *testing.T, cfg loadtest.Config) *loadtest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cfg.Probe = &loadtest.CostProbe{PID: os.Getpid()}
	cfg.Drain = 20 * time.Second // ends early once everything arrived
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("%s: %v", cfg.Scenario, err)
	}
	var b strings.Builder
	res.WriteTable(&b)
	t.Log("\n" + b.String())
	return res
}

func requireConsistent(t *testing.T, res *loadtest.Result) {
	t.Helper()
	if p := res.Problems(); len(p) > 0 {
		t.Fatalf("%s: inconsistent: %v", res.Scenario, p)
	}
}

func TestIdle(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 200, 0, 0)
	res := run(t, loadtest.Config{Scenario: loadtest.Idle, URL: srv.WSURL, Seed: f, Duration: 300 * time.Millisecond})
	requireConsistent(t, res)
	if res.Conns != 200 || res.ConnectLatency.Count() != 200 {
		t.Fatalf("conns %d, connect latencies %d; want 200", res.Conns, res.ConnectLatency.Count())
	}
	if res.Server == nil || res.Server.RSSLoadedKB <= 0 {
		t.Fatalf("server cost not sampled: %+v", res.Server)
	}
}

func TestRoomDeliversToEveryMember(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 200, 4, 50)
	res := run(t, loadtest.Config{Scenario: loadtest.Room, URL: srv.WSURL, Seed: f, Rate: 100, Duration: 2 * time.Second, Presence: true})
	requireConsistent(t, res)
	if res.PresenceChecked != 200 {
		t.Fatalf("presence checked for %d members; want all 200", res.PresenceChecked)
	}
	if res.Acks != 200 || res.Deliveries != 200*50 || res.Latency.Count() != res.Deliveries {
		t.Fatalf("acks %d deliveries %d latencies %d; want 200, 10000, 10000", res.Acks, res.Deliveries, res.Latency.Count())
	}
	if res.AckLatency.Count() != 200 {
		t.Fatalf("ack latencies %d", res.AckLatency.Count())
	}
}

// With -mix, thread replies and reactions ride the same timeline: every one is delivered to
// every member, in seq order, and replies are timed like messages.
func TestRoomWithRepliesAndReactions(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 200, 4, 50)
	mix, err := loadtest.ParseMix("replies=0.3,reactions=0.3")
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, loadtest.Config{Scenario: loadtest.Room, URL: srv.WSURL, Seed: f, Rate: 100, Duration: 2 * time.Second, Mix: mix})
	requireConsistent(t, res)
	// A send can be a reply or a reaction only once its chat's root message is acked, so how
	// many of the 200 become one depends on how fast the first acks come (60% of them on an
	// idle machine, far fewer on a busy CI runner): some of each is what is certain.
	if res.Acks != 200 || res.Deliveries != 200*50 || res.Replies < 1 || res.Reactions < 1 {
		t.Fatalf("acks %d deliveries %d replies %d reactions %d; want 200, 10000, 1+, 1+", res.Acks, res.Deliveries, res.Replies, res.Reactions)
	}
	if res.ReactionDeliveries != res.Reactions*50 || res.Latency.Count() != res.Deliveries-res.ReactionDeliveries {
		t.Fatalf("reaction deliveries %d for %d reactions, %d latencies", res.ReactionDeliveries, res.Reactions, res.Latency.Count())
	}
}

func TestParseMix(t *testing.T) {
	if m, err := loadtest.ParseMix("replies=0.25, reactions=0.5"); err != nil || m.Replies != 0.25 || m.Reactions != 0.5 {
		t.Fatalf("ParseMix = %+v, %v", m, err)
	}
	for _, bad := range []string{"replies", "replies=2", "pins=0.1", "replies=0.6,reactions=0.6", "replies=x"} {
		if _, err := loadtest.ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

func TestSend(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 200, 100, 2)
	res := run(t, loadtest.Config{Scenario: loadtest.Send, URL: srv.WSURL, Seed: f, Rate: 200, Duration: 1500 * time.Millisecond})
	requireConsistent(t, res)
	if res.Acks != 300 || res.Deliveries != 600 {
		t.Fatalf("acks %d deliveries %d; want 300, 600", res.Acks, res.Deliveries)
	}
}

func TestChurnMissesNothing(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 200, 5, 40)
	res := run(t, loadtest.Config{Scenario: loadtest.Churn, URL: srv.WSURL, Seed: f, Rate: 50, Duration: 2 * time.Second, ChurnRate: 60})
	requireConsistent(t, res)
	if res.Reconnects < 30 {
		t.Fatalf("only %d reconnects; the churn did not happen", res.Reconnects)
	}
	if res.Acks != 100 || res.Deliveries != 100*40 {
		t.Fatalf("acks %d deliveries %d; want 100, 4000", res.Acks, res.Deliveries)
	}
}

// TestShardsMerge runs one room as two coordinated shards, as -procs 2 does with processes,
// and checks the merged result adds up.
func TestShardsMerge(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 120, 3, 40)
	var ready sync.WaitGroup
	ready.Add(2)
	start := make(chan struct{})
	go func() { ready.Wait(); close(start) }()
	parts := make([]*loadtest.Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for shard := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[shard], errs[shard] = loadtest.Run(t.Context(), loadtest.Config{
				Scenario: loadtest.Room, URL: srv.WSURL, Seed: f, Rate: 60, Duration: time.Second,
				RunID: "shared01", Shard: shard, Procs: 2,
				Barrier: func() error { ready.Done(); <-start; return nil },
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if parts[0].Conns != 60 || parts[0].Deliveries == 0 || parts[1].Deliveries == 0 {
		t.Fatalf("each shard should hold half the connections and receive: %+v / %+v", parts[0], parts[1])
	}
	m := loadtest.Merge(parts)
	requireConsistent(t, m)
	if m.Conns != 120 || m.Acks != 60 || m.Deliveries != 60*40 {
		t.Fatalf("merged conns %d acks %d deliveries %d; want 120, 60, 2400", m.Conns, m.Acks, m.Deliveries)
	}
}

// With several node URLs, connections are spread over them and a connection whose node does
// not answer moves to the next one: here every other connection starts on a dead address.
// The presence check moves on the same way.
func TestSeveralNodesSkipADeadOne(t *testing.T) {
	t.Parallel()
	srv, f := seed(t, 100, 2, 50)
	dead := "ws://127.0.0.1:1/ws" // nothing listens on port 1
	res := run(t, loadtest.Config{Scenario: loadtest.Room, URL: dead + ", " + srv.WSURL, Seed: f, Rate: 50, Duration: time.Second, Presence: true})
	requireConsistent(t, res)
	if res.PresenceChecked != 100 {
		t.Fatalf("presence checked for %d members; want 100", res.PresenceChecked)
	}
	if res.Conns != 100 || res.Acks != res.Sends || res.Deliveries != res.Acks*50 {
		t.Fatalf("conns %d, sends %d, acks %d, deliveries %d; want 100 connections and every ack delivered to 50",
			res.Conns, res.Sends, res.Acks, res.Deliveries)
	}
}
