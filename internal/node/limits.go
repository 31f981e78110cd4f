package node

import (
	"context"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/hub"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/fechatter/fechatter/rest"
)

// openLimiter picks where rate limits count: this process's memory, or Redis (REDIS_URL)
// shared by every node, falling back to memory while Redis is down.
func (n *Node) openLimiter() rest.Limiter {
	m := ratelimit.NewMetrics(n.registry)
	if n.redis == nil {
		return ratelimit.NewMemory(ratelimit.MemoryOptions{Metrics: m})
	}
	return ratelimit.NewRedis(n.redis, ratelimit.RedisOptions{Prefix: n.cfg.RedisPrefix, Logger: n.log, Metrics: m})
}

func (n *Node) restLimits() rest.Limits {
	c := n.cfg
	return rest.Limits{AuthPerMinute: c.AuthPerMinute, LoginFailures: c.LoginFailures,
		LoginAccountAttempts: c.LoginAccountAttempts, LoginWindow: c.LoginWindow, WritesPerMinute: c.WritesPerMinute}
}

// Default per-user send limit.
const (
	defaultSendRate  = 10 // per second, sustained
	defaultSendBurst = 30
)

// sendLimiter is the hub's per-user send limit, or nil when it is off.
func (n *Node) sendLimiter(l rest.Limiter) hub.SendLimiter {
	rate, burst := n.cfg.SendRate, n.cfg.SendBurst
	if rate == 0 {
		rate = defaultSendRate
	}
	if burst == 0 {
		burst = defaultSendBurst
	}
	limit := ratelimit.PerSecond(rate, burst)
	if limit.Off() {
		return nil
	}
	return sendLimit{l: l, limit: limit}
}

// sendLimit charges sends to "send:<user id>".
type sendLimit struct {
	l     rest.Limiter
	limit ratelimit.Limit
}

func (s sendLimit) AllowSend(ctx context.Context, userID int64) (bool, time.Duration) {
	r := s.l.Allow(ctx, "send:"+strconv.FormatInt(userID, 10), s.limit)
	return r.Allowed, r.RetryAfter
}
