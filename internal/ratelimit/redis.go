package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Defaults of RedisOptions.
const (
	DefaultPrefix  = "fechatter:"
	DefaultTimeout = 250 * time.Millisecond
	DefaultRetry   = time.Second
)

// RedisOptions configure a Redis limiter.
type RedisOptions struct {
	// Prefix starts every key after the library's "rate:"; default "fechatter:".
	Prefix string
	// Timeout bounds one check; default 250ms. A check that takes longer is answered by
	// this node's memory.
	Timeout time.Duration
	// Retry is how long Redis is left alone after a failure; default 1s.
	Retry time.Duration
	// Logger gets one line when an outage starts and one when it ends.
	Logger *slog.Logger
	// Metrics counts refusals, fallbacks and outages; nil counts nothing.
	Metrics *Metrics
}

// Redis keeps limits in Redis, shared by every node, and falls back to this node's memory
// while Redis is unavailable (see the package documentation).
type Redis struct {
	rl       *redis_rate.Limiter
	opts     RedisOptions
	log      *slog.Logger
	fallback *Memory
	down     atomic.Bool  // an outage is under way
	retryAt  atomic.Int64 // Unix ns before which Redis is not called; 0 when up
}

// NewRedis returns a limiter over client. It does no I/O.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retry <= 0 {
		opts.Retry = DefaultRetry
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Redis{
		rl:       redis_rate.NewLimiter(client),
		opts:     opts,
		log:      log.With("component", "ratelimit"),
		fallback: NewMemory(MemoryOptions{}),
	}
}

func (r *Redis) key(k string) string { return r.opts.Prefix + "ratelimit:" + k }

// Allow charges one event to key under l and says whether it may happen now.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) Result {
	if l.Off() {
		return allowed
	}
	if r.resting() {
		return r.fallBack(ctx, key, l)
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	rr, err := r.rl.Allow(cctx, r.key(key), redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst})
	cancel()
	if err != nil {
		r.fail(ctx, err)
		return r.fallBack(ctx, key, l)
	}
	r.up()
	res := Result{Allowed: rr.Allowed > 0, Remaining: rr.Remaining}
	if !res.Allowed {
		res.RetryAfter = max(rr.RetryAfter, time.Nanosecond)
	}
	r.opts.Metrics.observe(key, res)
	return res
}

// Reset forgets key, in Redis and in the fallback.
func (r *Redis) Reset(ctx context.Context, key string) error {
	_ = r.fallback.Reset(ctx, key)
	if r.resting() {
		return errUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if err := r.rl.Reset(cctx, r.key(key)); err != nil {
		r.fail(ctx, err)
		return err
	}
	r.up()
	return nil
}

var errUnavailable = errors.New("ratelimit: redis unavailable")

func (r *Redis) fallBack(ctx context.Context, key string, l Limit) Result {
	r.opts.Metrics.fellBack()
	res := r.fallback.Allow(ctx, key, l)
	r.opts.Metrics.observe(key, res)
	return res
}

// resting reports whether Redis should be left alone: within Retry of a failure. When that
// time is over, exactly one caller gets false and probes Redis.
func (r *Redis) resting() bool {
	until := r.retryAt.Load()
	if until == 0 {
		return false
	}
	now := time.Now().UnixNano()
	if now < until {
		return true
	}
	return !r.retryAt.CompareAndSwap(until, now+int64(r.opts.Retry))
}

// fail records a failed call. A failure caused by the caller's own context ending says
// nothing about Redis and is not recorded.
func (r *Redis) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	r.retryAt.Store(time.Now().Add(r.opts.Retry).UnixNano())
	if !r.down.Swap(true) {
		r.opts.Metrics.outage()
		r.log.Warn("ratelimit: redis unavailable; limits are per node until it is back", "err", err)
	}
}

// up records a successful call.
func (r *Redis) up() {
	if r.retryAt.Load() != 0 {
		r.retryAt.Store(0)
	}
	if r.down.Load() && r.down.Swap(false) {
		r.log.Info("ratelimit: redis is back; limits are shared by every node again")
	}
}
