package presence

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// The scripts read the clock with Redis TIME, so every node compares
// expiries against the same clock (the Redis server's) and clock skew
// between hub nodes does not matter. Each script touches exactly one key,
// which keeps them valid on Redis Cluster; the few multi-key steps (node set
// bookkeeping) are idempotent and ordered so a crash between them is
// repaired by the sweeper or the next heartbeat.

// luaNow is the common prologue: now in unix milliseconds, server clock.
const luaNow = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// joinScript adds node ARGV[1] to the user set KEYS[1] with expiry now+ARGV[2]
// ms and sets the key's TTL to ARGV[3] ms. It returns {others, selfLive}:
// the number of other nodes with an unexpired entry and whether this node
// had one already.
var joinScript = redis.NewScript(luaNow + `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local others = redis.call('ZCARD', KEYS[1])
local selfLive = 0
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  others = others - 1
  selfLive = 1
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {others, selfLive}
`)

// leaveScript removes node ARGV[1] from the user set KEYS[1] and returns 1
// when no unexpired entry is left, i.e. the user is offline everywhere.
var leaveScript = redis.NewScript(luaNow + `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
`)

// liveScript returns the number of unexpired entries of the user set KEYS[1].
var liveScript = redis.NewScript(luaNow + `
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`)

// beatScript records a heartbeat of node ARGV[1] in the nodes set KEYS[1],
// sets the key's TTL to ARGV[2] ms and returns up to ARGV[4] nodes whose
// last heartbeat is older than ARGV[3] ms.
var beatScript = redis.NewScript(luaNow + `
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local dead = {}
if tonumber(ARGV[4]) > 0 then
  dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, ARGV[4])
end
return dead
`)

var allScripts = []*redis.Script{joinScript, leaveScript, liveScript, beatScript}

// execPipe runs the commands queued by fill in one pipeline. Scripts are
// queued with EvalSha; when Redis answers NOSCRIPT (it restarted or its
// script cache was flushed) the scripts are loaded and the pipeline is run
// once more. Every script here is idempotent, so rerunning is safe.
func execPipe(ctx context.Context, c redis.UniversalClient, fill func(p redis.Pipeliner)) ([]redis.Cmder, error) {
	cmds, err := runPipe(ctx, c, fill)
	if !hasNoScript(cmds) {
		return cmds, err
	}
	for _, s := range allScripts {
		if err := s.Load(ctx, c).Err(); err != nil {
			return nil, err
		}
	}
	return runPipe(ctx, c, fill)
}

func runPipe(ctx context.Context, c redis.UniversalClient, fill func(p redis.Pipeliner)) ([]redis.Cmder, error) {
	p := c.Pipeline()
	fill(p)
	cmds, err := p.Exec(ctx)
	return cmds, err
}

func hasNoScript(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			return true
		}
	}
	return false
}

// ints reads a script reply that is an array of integers.
func ints(c redis.Cmder) ([]int64, error) {
	cmd, ok := c.(*redis.Cmd)
	if !ok {
		return nil, errUnexpectedReply
	}
	return cmd.Int64Slice()
}
