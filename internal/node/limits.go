package node

import (
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
