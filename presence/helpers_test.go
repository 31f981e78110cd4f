package presence_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fechatter/fechatter/internal/poll"
	"github.com/fechatter/fechatter/presence"
)

// Short timings for tests: a dead node is swept within TTL+Heartbeat = 400ms.
const (
	testTTL       = 300 * time.Millisecond
	testHeartbeat = 100 * time.Millisecond
)

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testRedis connects to the shared Redis (FECHATTER_TEST_REDIS, default
// 127.0.0.1:6379). Unreachable: fatal when CI=true, skipped otherwise.
func testRedis(t testing.TB) *redis.Client {
	addr := os.Getenv("FECHATTER_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis at %s unreachable: %v", addr, err)
		}
		t.Skipf("redis at %s unreachable: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testPrefix returns a unique key prefix whose keys are deleted after the test.
func testPrefix(t testing.TB, c *redis.Client) string {
	prefix := "fechatter-test:" + randHex(8) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("deleting test keys: %v", err)
		}
	})
	return prefix
}

// newRedis makes a tracker with test timings; opts fields left zero get them.
func newRedis(t testing.TB, c redis.UniversalClient, opts presence.RedisOptions) *presence.Redis {
	t.Helper()
	if opts.NodeID == "" {
		opts.NodeID = "node-" + randHex(4)
	}
	if opts.TTL == 0 {
		opts.TTL, opts.Heartbeat = testTTL, testHeartbeat
	}
	r, err := presence.NewRedis(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startRun runs tr.Run in a goroutine; stop cancels it and waits.
func startRun(t testing.TB, tr interface{ Run(context.Context) error }) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// checkFor waits, with poll.CheckFor, until fn returns nil; fn's last error is the failure's
// message. (every is the old polling interval, now poll's own.)
func checkFor(t testing.TB, timeout, _ time.Duration, fn func() error) {
	t.Helper()
	var last error
	t.Cleanup(func() {
		if t.Failed() && last != nil {
			t.Logf("checkFor: last error: %v", last)
		}
	})
	poll.CheckFor(t, timeout, "a condition (its last error is logged below)", func() bool { last = fn(); return last == nil })
}

// recorder collects OnOffline/OnOnline reports.
type recorder struct {
	mu    sync.Mutex
	ids   []int64
	first time.Time
}

func (r *recorder) add(ids []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		r.first = time.Now()
	}
	r.ids = append(r.ids, ids...)
}

func (r *recorder) get() ([]int64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.ids...), r.first
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedisServer starts a private, non-persistent redis-server on port and
// waits until it answers. kill stops it and waits for the process.
func startRedisServer(t testing.TB, port int) (kill func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not installed: %v", err)
		}
		t.Skipf("redis-server not installed: %v", err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(kill)
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer c.Close()
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		return c.Ping(context.Background()).Err()
	})
	return kill
}

func ids(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}
