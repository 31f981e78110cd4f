package node

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/fechatter/fechatter/presence"
)

// presenceTracker is a presence backend: the hub counts connections in it, REST reads it.
type presenceTracker interface {
	Connect(ctx context.Context, userID int64) (bool, error)
	Disconnect(ctx context.Context, userID int64) (bool, error)
	Online(ctx context.Context, userIDs []int64) (map[int64]bool, error)
	Run(ctx context.Context) error
}

// degradable is a presence backend that can fall back to this node's own view (Redis
// presence while Redis fails); the in-memory one never does.
type degradable interface{ Degraded() bool }

// presenceDegraded reports whether presence answers from this node's view only.
func (n *Node) presenceDegraded() bool {
	d, ok := n.presence.(degradable)
	return ok && d.Degraded()
}

// registerPresenceMetrics exports presenceDegraded as a gauge.
func (n *Node) registerPresenceMetrics() {
	n.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "fechatter_presence_degraded",
		Help: "1 while presence answers from this node's view only (Redis failed and has not been re-synced yet), else 0."},
		func() float64 {
			if n.presenceDegraded() {
				return 1
			}
			return 0
		}))
}

// openPresence picks the presence backend: in memory for a single node, Redis (shared by
// every node) when REDIS_URL is set.
func (n *Node) openPresence() (presenceTracker, error) {
	if n.cfg.RedisURL == "" {
		return presence.NewMemory(), nil
	}
	opts, err := redis.ParseURL(n.cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// Presence holds a per-user lock across its Redis round trip: fail fast, never hang.
	opts.ContextTimeoutEnabled = true
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = time.Second, time.Second, time.Second
	opts.MaxRetries = 1
	redis.SetLogger(redisLog{n.log}) // the client's own complaints, as JSON like every other log line
	n.redis = redis.NewClient(opts)
	n.log.Info("presence: redis")
	return presence.NewRedis(n.redis, presence.RedisOptions{
		NodeID:    presence.NewNodeID(),
		Prefix:    n.cfg.RedisPrefix,
		TTL:       n.cfg.PresenceTTL,
		Logger:    n.log,
		OnOffline: func(ids []int64) { n.Hub.UsersOffline(ids) },
		OnOnline:  func(ids []int64) { n.Hub.UsersOnline(ids) },
	})
}

// redisLog hands go-redis's log lines to slog. go-redis has one logger per process.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...), "component", "redis")
}

// runPresence runs the backend's background work until the node shuts down.
func (n *Node) runPresence() {
	ctx, cancel := context.WithCancel(context.Background())
	n.stopPresence = cancel
	done := make(chan struct{})
	n.presenceDone = done
	go func() {
		defer close(done)
		if err := n.presence.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("presence: stopped", "err", err)
		}
	}()
}
