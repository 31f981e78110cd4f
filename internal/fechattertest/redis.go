package fechattertest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a private, non-persistent redis-server a test can kill, to exercise outages.
type RedisServer struct {
	URL  string
	t    testing.TB
	bin  string
	port int
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// StartRedisServer runs redis-server on a free port of 127.0.0.1 until the test ends.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Unavailable(t, "redis-server", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &RedisServer{URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), t: t, bin: bin, port: port}
	t.Cleanup(r.Kill)
	r.Restart()
	return r
}

// Kill stops the server at once.
func (r *RedisServer) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

// Restart starts the server again, empty, on the same port (killing it first if it runs),
// and waits until it answers.
func (r *RedisServer) Restart() {
	r.t.Helper()
	r.Kill()
	r.mu.Lock()
	defer r.mu.Unlock()
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", r.t.TempDir())
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d did not answer", r.port)
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
}

// RedisAddr is the machine's shared Redis (FECHATTER_TEST_REDIS, default 127.0.0.1:6379).
func RedisAddr() string {
	if a := os.Getenv("FECHATTER_TEST_REDIS"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// SharedRedis checks that the machine's Redis answers (skipping the test, or failing it under
// CI=true, when it does not) and returns its URL and a key prefix no other test uses. Every
// key containing the prefix is deleted when the test ends.
func SharedRedis(t testing.TB) (url, prefix string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: RedisAddr()})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		Unavailable(t, "Redis", err)
	}
	prefix = "fechatter-test:" + UniquePrefix() + ":"
	t.Cleanup(func() {
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, "*"+prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("deleting test keys: %v", err)
		}
	})
	return "redis://" + RedisAddr() + "/0", prefix
}
