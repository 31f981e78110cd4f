package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is wrapped by every error the Redis backend returns when
// Redis could not be reached. The local counts were still updated; see the
// package documentation.
var ErrUnavailable = errors.New("presence: redis unavailable")

var errUnexpectedReply = errors.New("presence: unexpected redis reply")

// Defaults of RedisOptions.
const (
	DefaultPrefix = "fechatter:"
	DefaultTTL    = 15 * time.Second
)

// batchSize bounds the commands of one pipeline and the IDs of one
// OnOffline call, so 20k users never become one giant request.
const batchSize = 1000

// RedisOptions configure a Redis tracker.
type RedisOptions struct {
	// NodeID names this process; required, and unique per process start
	// (NewNodeID makes one). Reusing the ID of a live node merges the two.
	NodeID string
	// Prefix starts every key; default "fechatter:".
	Prefix string
	// TTL is how long this node's entries live without a heartbeat; default 15s.
	TTL time.Duration
	// Heartbeat is the period of heartbeats and sweeps; default TTL/3.
	// It must be shorter than TTL.
	Heartbeat time.Duration
	// Logger receives background errors; default discards.
	Logger *slog.Logger
	// OnOffline is called from Run with users that went offline everywhere
	// because a dead node was swept. Optional; it must not block for long.
	OnOffline func(userIDs []int64)
	// OnOnline is called from Run with users that are online again after this
	// node had itself been swept as dead (it was cut off from Redis longer
	// than TTL) and re-registered them. Optional; it must not block for long.
	OnOnline func(userIDs []int64)
}

// Redis tracks presence across nodes in Redis while keeping this node's
// connection counts in memory, where they are authoritative.
type Redis struct {
	client redis.UniversalClient
	opts   RedisOptions
	log    *slog.Logger
	c      *counts
	// io[i] serialises the Redis writes for the users of count shard i, so
	// that a user's join and leave reach Redis in the order they happened.
	// Lock order: io[i] before counts.shards[i].mu.
	io [numShards]sync.Mutex

	down       atomic.Bool   // Redis failed and no heartbeat has succeeded since
	failures   atomic.Uint64 // count of failures, so a heartbeat can tell one happened meanwhile
	lastErr    atomic.Value  // error wrapper of the last failure
	registered atomic.Bool   // this node is in the nodes set since the last heartbeat
	wake       chan struct{} // Redis just went down: Run retries soon (redis_run.go)

	nodesKey, nodeKey, lockKey string
}

type errBox struct{ err error }

// NewRedis returns a tracker that mirrors this node's presence to client.
// It does no I/O; call Run to start heartbeats and sweeping.
func NewRedis(client redis.UniversalClient, opts RedisOptions) (*Redis, error) {
	if client == nil {
		return nil, errors.New("presence: nil redis client")
	}
	if opts.NodeID == "" {
		return nil, errors.New("presence: RedisOptions.NodeID is required")
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = opts.TTL / 3
	}
	if opts.Heartbeat >= opts.TTL {
		return nil, fmt.Errorf("presence: Heartbeat %v must be shorter than TTL %v", opts.Heartbeat, opts.TTL)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := opts.Prefix + "presence:"
	return &Redis{
		client:   client,
		opts:     opts,
		log:      log.With("component", "presence", "node", opts.NodeID),
		c:        newCounts(),
		nodesKey: p + "nodes",
		nodeKey:  p + "node:" + opts.NodeID,
		lockKey:  p + "lock:" + opts.NodeID,
		wake:     make(chan struct{}, 1),
	}, nil
}

// NewNodeID returns "<hostname>-<16 random hex digits>", a fresh ID for one
// process start.
func NewNodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

func (r *Redis) userKey(userID int64) string {
	return r.opts.Prefix + "presence:user:" + strconv.FormatInt(userID, 10)
}

func (r *Redis) nodeKeyOf(node string) string { return r.opts.Prefix + "presence:node:" + node }
func (r *Redis) lockKeyOf(node string) string { return r.opts.Prefix + "presence:lock:" + node }

func ms(d time.Duration) int64 { return d.Milliseconds() }

func msDur(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// userKeyTTL and nodeKeyTTL bound how long keys outlive their last refresh.
func (r *Redis) userKeyTTL() time.Duration { return 3 * r.opts.TTL }
func (r *Redis) nodeKeyTTL() time.Duration { return 10 * r.opts.TTL }

// opCtx bounds one Redis round trip: no single step may outlast a heartbeat.
func (r *Redis) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.opts.Heartbeat)
}

// fail records a Redis failure and returns it wrapped in ErrUnavailable.
// A failure caused by the caller's own context ending does not mark Redis
// down.
func (r *Redis) fail(ctx context.Context, err error) error {
	err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	if ctx.Err() == nil {
		r.lastErr.Store(errBox{err})
		r.failures.Add(1)
		r.registered.Store(false)
		if !r.down.Swap(true) {
			r.log.Warn("redis unavailable; presence degrades to this node", "err", err)
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
	}
	return err
}

// Degraded reports whether presence answers from this node's view only: a Redis call failed
// and no heartbeat has succeeded since.
func (r *Redis) Degraded() bool { return r.down.Load() }

// unavailable returns the error for an operation skipped while Redis is down.
func (r *Redis) unavailable() error {
	if b, ok := r.lastErr.Load().(errBox); ok {
		return b.err
	}
	return ErrUnavailable
}

// Connect records one more connection of userID on this node. becameOnline
// is true when the user had no live connection on any node before. When
// Redis is unreachable the local count is still updated and becameOnline
// reflects the local transition; the error wraps ErrUnavailable.
func (r *Redis) Connect(ctx context.Context, userID int64) (becameOnline bool, err error) {
	i := shardIndex(userID)
	r.io[i].Lock()
	defer r.io[i].Unlock()
	if !r.c.inc(userID) {
		return false, nil
	}
	if r.down.Load() {
		return true, r.unavailable()
	}
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	register := !r.registered.Load()
	cmds, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		if register {
			beatScript.EvalSha(opCtx, p, []string{r.nodesKey}, r.opts.NodeID, ms(r.nodeKeyTTL()), 0, 0)
		}
		p.SAdd(opCtx, r.nodeKey, userID)
		p.PExpire(opCtx, r.nodeKey, r.nodeKeyTTL())
		joinScript.EvalSha(opCtx, p, []string{r.userKey(userID)}, r.opts.NodeID, ms(r.opts.TTL), ms(r.userKeyTTL()))
	})
	if err != nil {
		return true, r.fail(ctx, err)
	}
	if register {
		r.registered.Store(true)
	}
	res, err := ints(cmds[len(cmds)-1])
	if err != nil || len(res) != 2 {
		return true, r.fail(ctx, errors.Join(errUnexpectedReply, err))
	}
	return res[0] == 0, nil
}

// Disconnect records one connection fewer. wentOffline is true when it was
// the user's last connection on any node. When Redis is unreachable the
// local count is still updated and wentOffline reflects the local
// transition; the error wraps ErrUnavailable. A Disconnect without a
// matching Connect is ignored.
func (r *Redis) Disconnect(ctx context.Context, userID int64) (wentOffline bool, err error) {
	i := shardIndex(userID)
	r.io[i].Lock()
	defer r.io[i].Unlock()
	last, ok := r.c.dec(userID)
	if !ok || !last {
		return false, nil
	}
	if r.down.Load() {
		return true, r.unavailable()
	}
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	cmds, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		leaveScript.EvalSha(opCtx, p, []string{r.userKey(userID)}, r.opts.NodeID)
		p.SRem(opCtx, r.nodeKey, userID)
	})
	if err != nil {
		return true, r.fail(ctx, err)
	}
	gone, err := cmds[0].(*redis.Cmd).Int64()
	if err != nil {
		return true, r.fail(ctx, err)
	}
	return gone == 1, nil
}

// Online reports, for every ID in userIDs, whether the user is online on any
// node. Users connected here are answered locally; the rest are looked up in
// Redis. When Redis is unreachable the map holds local knowledge only and
// the error wraps ErrUnavailable.
func (r *Redis) Online(ctx context.Context, userIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(userIDs))
	var remote []int64
	for _, id := range userIDs {
		if _, seen := out[id]; seen {
			continue
		}
		out[id] = r.c.has(id)
		if !out[id] {
			remote = append(remote, id)
		}
	}
	if len(remote) == 0 {
		return out, nil
	}
	if r.down.Load() {
		return out, r.unavailable()
	}
	for start := 0; start < len(remote); start += batchSize {
		if err := r.lookup(ctx, remote[start:min(start+batchSize, len(remote))], out); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (r *Redis) lookup(ctx context.Context, ids []int64, out map[int64]bool) error {
	opCtx, cancel := r.opCtx(ctx)
	defer cancel()
	cmds, err := execPipe(opCtx, r.client, func(p redis.Pipeliner) {
		for _, id := range ids {
			liveScript.EvalSha(opCtx, p, []string{r.userKey(id)})
		}
	})
	if err != nil {
		return r.fail(ctx, err)
	}
	for j, id := range ids {
		n, err := cmds[j].(*redis.Cmd).Int64()
		if err != nil {
			return r.fail(ctx, err)
		}
		out[id] = n > 0
	}
	return nil
}
