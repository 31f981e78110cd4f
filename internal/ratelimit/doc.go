// Package ratelimit owns rate limits: how many times something may happen per key, with a
// burst, and when to try again. A limit is a GCRA (generic cell rate algorithm, the
// continuous form of a token bucket): Burst events at once, then one more every
// Period/Rate. A denied check costs nothing, so hammering a closed limit does not push its
// reopening further away.
//
// Two backends have the same method set (Allow, Reset); callers declare the interface
// they need:
//
//   - Memory, the default: one node's counters, in 64 locked shards. Memory is bounded:
//     a key whose limit is back to full is worth nothing and is swept away, and past MaxKeys
//     the least constrained keys are evicted first, so spraying keys cannot grow it without
//     bound. It starts no goroutine.
//   - Redis (github.com/go-redis/redis_rate/v10 over github.com/redis/go-redis/v9): the
//     counters of every node, one atomic Lua script per check, timed by the Redis server's
//     clock. Keys are rate:<prefix>ratelimit:<key> (the "rate:" is the library's) and expire
//     once their limit is full again.
//
// # Keys
//
// Callers name keys "<limit>:<subject>", e.g. "send:42" or "auth:203.0.113.7"; the part
// before the first colon labels fechatter_rate_limited_total.
//
// # When Redis is down
//
// A limit never becomes unlimited and never refuses everyone. A check that Redis cannot
// answer within Timeout is answered by this node's own Memory, so limits become per node
// (a client spread over N nodes gets up to N times the limit) and start from zero on this
// node. The first failure of an outage is logged once (Warn) and counted in
// fechatter_ratelimit_redis_outages_total; every check answered by the fallback is counted
// in fechatter_ratelimit_fallbacks_total. For Retry after a failure the Redis backend does
// not call Redis at all (no timeout is paid per request during an outage); then one check
// probes it, and the first success ends the outage (logged at Info).
//
// This package imports no other fechatter package.
package ratelimit
