package presence

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxDeadPerTick bounds how many dead nodes one sweep looks at.
const maxDeadPerTick = 16

// Run heartbeats this node and sweeps dead nodes every Heartbeat until ctx
// ends, then returns nil. When a call finds Redis failing, Run tries to
// recover a tenth of a Heartbeat later, not at the next heartbeat: one
// timed-out call on a busy Redis degrades presence for a moment, not for a
// whole period. While Redis keeps failing it retries with a jittered
// exponential backoff from Heartbeat up to TTL, never in a hot loop; the
// first heartbeat that succeeds again re-registers every local user. Run
// does not remove this node's entries when it returns: a graceful shutdown
// disconnects each connection, a crash is swept by the survivors. Call Run
// at most once at a time per tracker; it may be called again after it returns.
func (r *Redis) Run(ctx context.Context) error {
	var (
		failures  int
		graceTill time.Time // no sweeping before this: we were cut off ourselves
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	due := time.Now() // when the timer fires
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
			// Redis has just gone down (down stays set until a heartbeat succeeds, so
			// this comes once per outage): try to recover soon.
			if soon := time.Now().Add(jitter(r.opts.Heartbeat / 10)); soon.Before(due) {
				due = soon
				timer.Reset(time.Until(due))
			}
			continue
		case <-timer.C:
		}
		start := time.Now()
		wasDown := r.down.Load()
		dead, err := r.heartbeat(ctx, wasDown)
		if err == nil && wasDown {
			// at the level of the warning that opened the outage, so that a log kept at warn
			// shows where it ended
			r.log.Warn("redis reachable again; presence re-registered", "after_failures", failures)
			graceTill = time.Now().Add(r.opts.TTL)
		}
		if err == nil && time.Now().After(graceTill) {
			err = r.sweep(ctx, dead)
		}
		if ctx.Err() != nil {
			return nil
		}
		next := r.opts.Heartbeat
		if err != nil {
			failures++
			next = r.backoff(failures)
			r.log.Warn("presence heartbeat failed", "err", err, "failures", failures, "retry_in", next)
		} else {
			failures = 0
		}
		due = start.Add(next)
		timer.Reset(max(0, time.Until(due)))
	}
}

// backoff doubles from Heartbeat per consecutive failure up to TTL, with
// ±20% jitter so nodes do not retry in step.
func (r *Redis) backoff(failures int) time.Duration {
	d := r.opts.Heartbeat
	for i := 1; i < failures && d < r.opts.TTL; i++ {
		d *= 2
	}
	return jitter(min(d, r.opts.TTL))
}

// jitter returns d ± 20 %.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.4-0.2)*float64(d))
}

// heartbeat refreshes this node and every local user and returns the nodes
// whose heartbeat is older than TTL. recovering says Redis had failed since
// the last successful heartbeat, so stale entries of users who left in the
// meantime are removed too.
func (r *Redis) heartbeat(ctx context.Context, recovering bool) ([]string, error) {
	failuresBefore := r.failures.Load()
	swept, dead, err := r.beat(ctx)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	now, err := r.serverTime(ctx)
	if err != nil {
		return nil, r.fail(ctx, err)
	}
	var back []int64
	for i := range numShards {
		users, err := r.refreshShard(ctx, i, now)
		if err != nil {
			return nil, r.fail(ctx, err)
		}
		if swept {
			back = append(back, users...)
		}
	}
	if recovering {
		if err := r.reconcile(ctx); err != nil {
			return nil, r.fail(ctx, err)
		}
	}
	if swept {
		// Users are back; clear the tombstone so this node can be swept
		// again should it really die.
		if err := r.del(ctx, r.lockKey); err != nil {
			return nil, r.fail(ctx, err)
		}
	}
	if r.failures.Load() != failuresBefore {
		// A Connect or Disconnect failed while we refreshed: stay down, so
		// the next heartbeat reconciles again.
		return nil, r.unavailable()
	}
	r.registered.Store(true)
	r.down.Store(false)
	if len(back) > 0 && r.opts.OnOnline != nil {
		for start := 0; start < len(back); start += batchSize {
			r.opts.OnOnline(back[start:min(start+batchSize, len(back))])
		}
	}
	return dead, nil
}

// beat records this node's heartbeat and fetches the dead nodes. swept
// reports that a survivor swept this node (it was cut off or stalled longer
// than TTL) and left a tombstone.
func (r *Redis) beat(ctx context.Context) (swept bool, dead []string, err error) {
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	var tomb *redis.StringCmd
	cmds, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		beatScript.EvalSha(opCtx, p, []string{r.nodesKey}, r.opts.NodeID,
			ms(r.nodeKeyTTL()), ms(r.opts.TTL), maxDeadPerTick)
		tomb = p.Get(opCtx, r.lockKey)
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, nil, err
	}
	list, err := cmds[0].(*redis.Cmd).Slice()
	if err != nil {
		return false, nil, errors.Join(errUnexpectedReply, err)
	}
	for _, v := range list {
		if s, ok := v.(string); ok && s != r.opts.NodeID {
			dead = append(dead, s)
		}
	}
	return strings.HasPrefix(tomb.Val(), "swept"), dead, nil
}

func (r *Redis) del(ctx context.Context, key string) error {
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	return r.client.Del(opCtx, key).Err()
}

// serverTime returns the Redis server's clock in unix milliseconds.
func (r *Redis) serverTime(ctx context.Context) (int64, error) {
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	t, err := r.client.Time(opCtx).Result()
	return t.UnixMilli(), err
}

// refreshShard re-adds every local user of shard i to the node set and
// pushes their expiry to nowMS+TTL, and returns them. Plain ZADD and
// PEXPIRE, not a script: this is the hot path, 20k users every Heartbeat.
func (r *Redis) refreshShard(ctx context.Context, i int, nowMS int64) ([]int64, error) {
	r.io[i].Lock()
	defer r.io[i].Unlock()
	users := r.c.users(i)
	if len(users) == 0 {
		return nil, nil
	}
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	expiry := float64(nowMS + ms(r.opts.TTL))
	_, err := r.client.Pipelined(opCtx, func(p redis.Pipeliner) error {
		for start := 0; start < len(users); start += batchSize {
			chunk := users[start:min(start+batchSize, len(users))]
			members := make([]any, len(chunk))
			for j, id := range chunk {
				members[j] = id
			}
			p.SAdd(opCtx, r.nodeKey, members...)
		}
		p.PExpire(opCtx, r.nodeKey, r.nodeKeyTTL())
		for _, id := range users {
			key := r.userKey(id)
			p.ZAdd(opCtx, key, redis.Z{Score: expiry, Member: r.opts.NodeID})
			p.PExpire(opCtx, key, r.userKeyTTL())
		}
		return nil
	})
	return users, err
}

// reconcile removes this node's Redis entries for users that have no local
// connection any more: they disconnected while Redis was unreachable.
func (r *Redis) reconcile(ctx context.Context) error {
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	members, err := r.client.SMembers(opCtx, r.nodeKey).Result()
	if err != nil {
		return err
	}
	for _, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			continue
		}
		if err := r.dropIfGone(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// dropIfGone removes userID's entry for this node unless it is connected.
func (r *Redis) dropIfGone(ctx context.Context, userID int64) error {
	i := shardIndex(userID)
	r.io[i].Lock()
	defer r.io[i].Unlock()
	if r.c.has(userID) {
		return nil
	}
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	_, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		leaveScript.EvalSha(opCtx, p, []string{r.userKey(userID)}, r.opts.NodeID)
		p.SRem(opCtx, r.nodeKey, userID)
	})
	return err
}
