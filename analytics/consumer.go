package analytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter"
)

// Sink stores batches of events; *ClickHouse implements it.
type Sink interface {
	// Insert stores evs; a second Insert with the same token stores nothing.
	Insert(ctx context.Context, evs []fechatter.UsageEvent, token string) error
	// Stored returns which of the ids are stored already.
	Stored(ctx context.Context, evs []fechatter.UsageEvent) (map[string]bool, error)
}

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	NATS    *nats.Conn
	Stream  string // the stream EnsureStream made
	Durable string // shared by every node (default "clickhouse")
	Sink    Sink
	Metrics *Metrics
	Logger  *slog.Logger

	Batch   int           // events per insert at most (default 1000)
	MaxWait time.Duration // how long one fetch waits for events (default 1s)
	AckWait time.Duration // redelivery after a node died holding a batch (default 1m)
	Backoff time.Duration // retry delay cap after a failure (default 30s)
	// Ack acknowledges a stored batch; nil: each message's Ack. Tests replace it to lose acks.
	Ack func(msgs []jetstream.Msg) error
}

// Consumer writes the usage stream to ClickHouse.
type Consumer struct {
	cfg    ConsumerConfig
	cons   jetstream.Consumer
	m      *Metrics
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartConsumer creates (or updates) the durable consumer and consumes until Close.
func StartConsumer(ctx context.Context, cfg ConsumerConfig) (*Consumer, error) {
	if cfg.Durable == "" {
		cfg.Durable = "clickhouse"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Second
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 30 * time.Second
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Ack == nil {
		cfg.Ack = ackAll
	}
	js, err := jetstream.New(cfg.NATS)
	if err != nil {
		return nil, fmt.Errorf("analytics: jetstream: %w", err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		Description:   "ClickHouse writer",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxAckPending: 4 * cfg.Batch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("analytics: consumer %s: %w", cfg.Durable, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &Consumer{cfg: cfg, cons: cons, m: cfg.Metrics, log: cfg.Logger, cancel: cancel}
	c.wg.Add(1)
	go c.run(runCtx)
	return c, nil
}

// Close stops consuming; a batch not acknowledged yet is delivered again later.
func (c *Consumer) Close() {
	c.cancel()
	c.wg.Wait()
}

func ackAll(msgs []jetstream.Msg) error {
	for _, m := range msgs {
		if err := m.Ack(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Consumer) run(ctx context.Context) {
	defer c.wg.Done()
	failures := 0
	for ctx.Err() == nil {
		msgs, err := c.fetch()
		if err == nil && len(msgs) > 0 {
			err = c.apply(ctx, msgs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			c.log.Warn("analytics consumer: retrying", "err", err, "failures", failures)
			if !sleep(ctx, backoff(c.cfg.Backoff, failures)) {
				return
			}
			continue
		}
		failures = 0
		c.m.observe(msgs)
	}
}

func (c *Consumer) fetch() ([]jetstream.Msg, error) {
	batch, err := c.cons.Fetch(c.cfg.Batch, jetstream.FetchMaxWait(c.cfg.MaxWait))
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && len(msgs) == 0 {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	return msgs, nil
}

// apply stores a batch, retrying with the same deduplication token until it succeeds or ctx
// ends (keeping the batch in progress meanwhile), then acknowledges it.
func (c *Consumer) apply(ctx context.Context, msgs []jetstream.Msg) error {
	evs, redelivered, token := c.decode(msgs)
	for attempt := 1; ; attempt++ {
		start := time.Now()
		n, err := c.store(ctx, evs, redelivered, token)
		if err == nil {
			c.m.batchTime.Observe(time.Since(start).Seconds())
			inc(c.m.inserted, n)
			inc(c.m.duplicates, len(evs)-n)
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.m.failures.Inc()
		c.log.Warn("analytics consumer: insert failed; retrying", "err", err, "attempt", attempt, "events", len(evs))
		for _, m := range msgs {
			_ = m.InProgress()
		}
		if !sleep(ctx, backoff(c.cfg.Backoff, attempt)) {
			return ctx.Err()
		}
	}
	if err := c.cfg.Ack(msgs); err != nil {
		return fmt.Errorf("ack: %w", err) // delivered again; Stored skips what is in
	}
	return nil
}

// decode reads a batch: its events, whether any was delivered before, and its deduplication
// token (the stream and the sequence range it covers).
func (c *Consumer) decode(msgs []jetstream.Msg) (evs []fechatter.UsageEvent, redelivered bool, token string) {
	var first, last uint64
	for _, m := range msgs {
		meta, err := m.Metadata()
		if err == nil {
			if first == 0 || meta.Sequence.Stream < first {
				first = meta.Sequence.Stream
			}
			last = max(last, meta.Sequence.Stream)
			redelivered = redelivered || meta.NumDelivered > 1
		}
		var ev fechatter.UsageEvent
		if err := json.Unmarshal(m.Data(), &ev); err != nil || ev.ID == "" || ev.Kind == "" {
			c.m.rejected.Inc()
			continue
		}
		evs = append(evs, ev)
	}
	return evs, redelivered, fmt.Sprintf("%s:%d-%d", c.cfg.Stream, first, last)
}

// tokenOf makes the deduplication token of what is inserted: the batch's sequence range and
// a hash of its event ids, so the same token always means the same events.
func tokenOf(rng string, evs []fechatter.UsageEvent) string {
	h := fnv.New64a()
	for _, ev := range evs {
		h.Write([]byte(ev.ID))
	}
	return fmt.Sprintf("%s:%016x", rng, h.Sum64())
}

// store inserts the events ClickHouse does not have yet and returns how many it inserted.
// Only a batch holding re-delivered events is checked against the table: a fresh batch
// cannot be there, and a retried insert of the same batch is dropped by its token.
func (c *Consumer) store(ctx context.Context, evs []fechatter.UsageEvent, redelivered bool, token string) (int, error) {
	if redelivered {
		have, err := c.cfg.Sink.Stored(ctx, evs)
		if err != nil {
			return 0, err
		}
		fresh := evs[:0:0]
		for _, ev := range evs {
			if !have[ev.ID] {
				fresh = append(fresh, ev)
			}
		}
		evs = fresh
	}
	if len(evs) == 0 {
		return 0, nil
	}
	return len(evs), c.cfg.Sink.Insert(ctx, evs, tokenOf(token, evs))
}

// backoff is the delay before retry n: max/64 doubling, capped at max.
func backoff(max time.Duration, n int) time.Duration {
	d := max / 64
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
