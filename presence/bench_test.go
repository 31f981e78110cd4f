package presence_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter/presence"
)

type connector interface {
	Connect(ctx context.Context, userID int64) (bool, error)
	Disconnect(ctx context.Context, userID int64) (bool, error)
}

// BenchmarkConnectDisconnect measures one Connect plus one Disconnect of a
// user's only connection: the worst case, where both touch Redis.
func BenchmarkConnectDisconnect(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchConnect(b, presence.NewMemory()) })
	b.Run("redis", func(b *testing.B) {
		c := testRedis(b)
		tr := newRedis(b, c, presence.RedisOptions{Prefix: testPrefix(b, c)})
		startRun(b, tr)
		benchConnect(b, tr)
	})
}

func benchConnect(b *testing.B, tr connector) {
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		base := next.Add(1) << 32
		var i int64
		for pb.Next() {
			id := base + i%1024
			i++
			if _, err := tr.Connect(ctx, id); err != nil {
				b.Error(err)
				return
			}
			if _, err := tr.Disconnect(ctx, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHeartbeat20k measures one heartbeat of a node holding 20,000
// online users (the per-process socket limit here is ~19k).
func BenchmarkHeartbeat20k(b *testing.B) {
	c := testRedis(b)
	tr := newRedis(b, c, presence.RedisOptions{Prefix: testPrefix(b, c)})
	ctx := context.Background()
	for _, id := range ids(20000) {
		if _, err := tr.Connect(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if err := tr.Heartbeat(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
