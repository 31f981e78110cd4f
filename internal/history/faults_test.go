package history_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// base is the cluster every fault test runs: three nodes of the real binary on PostgreSQL and a
// private NATS, nine clients (three per node) in three chats, some editing, deleting and
// reacting, until perFault() sends are acked.
func base() run {
	return run{nodes: 3, users: 9, chats: 3, acked: perFault(), changes: 10}
}

// The checker can fail: a debug build that silently loses one live delivery on each node makes
// it report the gap, with the receipts around it.
func TestCheckerCatchesADroppedEvent(t *testing.T) {
	r := base()
	r.nodes, r.users, r.acked = 2, 4, 300
	r.extraEnv = []string{"FECHATTER_FAULT_DROP_SEQ=40"}
	r.wantFailed = true
	v, _ := r.start(t)
	found := false
	for _, x := range v.Violations {
		if x.Rule == "gap" && strings.Contains(x.Detail, "40..40 never delivered") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no gap at seq 40 reported: %s", v)
	}
}

func TestHistoryWithoutFaults(t *testing.T) {
	base().start(t)
}

// A node is SIGKILLed and started again, over and over; its clients move to the others.
func TestHistoryNodeKill(t *testing.T) {
	r := base()
	r.fault = func(ctx context.Context, c *cluster) {
		i := 0
		every(ctx, c, 1500*time.Millisecond, func() {
			n := c.nodes[i%len(c.nodes)]
			i++
			n.Kill()
			sleep(context.Background(), 300*time.Millisecond)
			n.Start()
		})
	}
	r.start(t)
}

// A node is paused (SIGSTOP) for a second and continued: its sockets go silent, NATS may drop
// it, and it must catch its clients up when it comes back.
func TestHistoryNodePause(t *testing.T) {
	r := base()
	r.fault = func(ctx context.Context, c *cluster) {
		i := 0
		every(ctx, c, 1500*time.Millisecond, func() {
			n := c.nodes[i%len(c.nodes)]
			i++
			n.Pause()
			sleep(context.Background(), time.Second)
			n.Continue()
		})
	}
	r.start(t)
}

// NATS goes away and comes back: sends still commit and ack; receivers recover the gap.
func TestHistoryNATSRestart(t *testing.T) {
	r := base()
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 1500*time.Millisecond, func() {
			c.nats.Stop()
			sleep(context.Background(), 700*time.Millisecond)
			c.nats.Start()
		})
	}
	r.start(t)
}

// PostgreSQL crashes (immediate shutdown) and restarts under the nodes: sends in flight fail
// with a retryable error or commit; nothing acked is lost.
func TestHistoryPostgresRestart(t *testing.T) {
	r := base()
	r.privatePG = true
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 1500*time.Millisecond, func() { c.pg.Restart() })
	}
	r.start(t)
}

// Every connection of the nodes to their database is killed with pg_terminate_backend, five
// times a second.
func TestHistoryPostgresTerminateStorm(t *testing.T) {
	r := base()
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 200*time.Millisecond, func() {
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, _ = ft.TerminateBackends(tctx, c.admin, c.dbName)
		})
	}
	r.start(t)
}

// Redis (presence) stops and comes back empty: chat delivery does not depend on it.
func TestHistoryRedisStop(t *testing.T) {
	r := base()
	r.redis = true
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 1500*time.Millisecond, func() {
			c.redis.Kill()
			sleep(context.Background(), time.Second)
			c.redis.Restart()
		})
	}
	r.start(t)
}

// Two clients read slowly; with a 16 KiB queue limit the nodes close them as slow consumers
// (4008) and they resume where they were.
func TestHistorySlowConsumer(t *testing.T) {
	r := base()
	r.slow = 2
	r.extraEnv = []string{"FECHATTER_QUEUE_LIMIT=16384"}
	r.start(t)
}
