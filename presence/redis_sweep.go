package presence

import (
	"context"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// sweep handles every dead node that no other survivor has claimed.
func (r *Redis) sweep(ctx context.Context, dead []string) error {
	for _, node := range dead {
		if err := r.sweepNode(ctx, node); err != nil {
			return r.fail(ctx, err)
		}
	}
	return nil
}

// sweepLockTTL is how long a survivor owns a dead node before another may
// retry it (only if the first one died while sweeping).
func (r *Redis) sweepLockTTL() int64 { return max(ms(2*r.opts.TTL), 5000) }

// sweepNode claims node with SET NX PX so exactly one survivor handles it,
// removes the node from each of its users' sets, reports the users now
// offline everywhere to OnOffline, then deletes the node's keys and leaves a
// tombstone telling the node, should it come back, that it was swept.
func (r *Redis) sweepNode(ctx context.Context, node string) error {
	lock := r.lockKeyOf(node)
	opCtx, cancel := r.opCtx(ctx)
	ok, err := r.client.SetNX(opCtx, lock, "sweeping:"+r.opts.NodeID, msDur(r.sweepLockTTL())).Result()
	cancel()
	if err != nil || !ok {
		return err
	}
	r.log.Info("sweeping dead node", "dead_node", node)
	nodeKey := r.nodeKeyOf(node)
	var cursor uint64
	total := 0
	seen := map[string]bool{} // SSCAN may return a member twice (while the set rehashes)
	for {
		opCtx, cancel := r.opCtx(ctx)
		members, next, err := r.client.SScan(opCtx, nodeKey, cursor, "", batchSize).Result()
		cancel()
		if err != nil {
			return err
		}
		members = slices.DeleteFunc(members, func(m string) bool {
			dup := seen[m]
			seen[m] = true
			return dup
		})
		offline, err := r.evict(ctx, node, members)
		if err != nil {
			return err
		}
		if len(offline) > 0 && r.opts.OnOffline != nil {
			r.opts.OnOffline(offline)
		}
		total += len(offline)
		if cursor = next; cursor == 0 {
			break
		}
	}
	opCtx, cancel = r.opCtx(ctx)
	defer cancel()
	_, err = r.client.Pipelined(opCtx, func(p redis.Pipeliner) error {
		p.ZRem(opCtx, r.nodesKey, node)
		p.Del(opCtx, nodeKey)
		p.Set(opCtx, lock, "swept:"+r.opts.NodeID, r.nodeKeyTTL())
		return nil
	})
	if err == nil {
		r.log.Info("swept dead node", "dead_node", node, "offline", total)
	}
	return err
}

// evict removes node from the sets of members (user IDs as strings) and
// returns the users left with no live node.
func (r *Redis) evict(ctx context.Context, node string, members []string) ([]int64, error) {
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if id, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	cmds, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		for _, id := range ids {
			leaveScript.EvalSha(opCtx, p, []string{r.userKey(id)}, node)
		}
	})
	if err != nil {
		return nil, err
	}
	var offline []int64
	for j, id := range ids {
		gone, err := cmds[j].(*redis.Cmd).Int64()
		if err != nil {
			return nil, err
		}
		if gone == 1 && !r.c.has(id) {
			offline = append(offline, id)
		}
	}
	return offline, nil
}
