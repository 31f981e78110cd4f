package meili

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter"
)

// Events reads a chat's timeline; fechatter.Store implements it.
type Events interface {
	Events(ctx context.Context, chatID, afterSeq int64, limit int) ([]fechatter.Event, error)
}

// Writer takes documents; *Index implements it.
type Writer interface {
	Put(ctx context.Context, msgs []fechatter.Message, del []int64) error
}

// IndexerConfig configures an Indexer.
type IndexerConfig struct {
	NATS    *nats.Conn
	Store   Events
	Index   Writer
	Metrics *Metrics // nil: no metrics
	Logger  *slog.Logger

	Stream   string        // JetStream stream over ChatSubjects; default "FECHATTER_CHAT"
	Subjects []string      // default ["fechatter.chat.>"], what the hub publishes to
	Durable  string        // durable consumer shared by every node; default "search-indexer"
	MaxAge   time.Duration // stream retention; default 7 days
	MaxBytes int64         // stream size cap (oldest dropped); default 1 GiB
	Batch    int           // events per fetch; default 256
	MaxWait  time.Duration // how long one fetch waits for events; default 1s
	// Backoff bounds the retry delay after a failure (from Backoff/64 doubling up to it);
	// default 30s.
	Backoff time.Duration
}

// Indexer consumes message events from JetStream and keeps the index in step with the store.
type Indexer struct {
	cfg    IndexerConfig
	log    *slog.Logger
	cons   jetstream.Consumer
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartIndexer creates (or updates) the stream and the durable consumer, then consumes in the
// background until Close. Events already in the stream when it starts are processed first.
func StartIndexer(ctx context.Context, cfg IndexerConfig) (*Indexer, error) {
	defaults(&cfg)
	js, err := jetstream.New(cfg.NATS)
	if err != nil {
		return nil, fmt.Errorf("indexer: jetstream: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "Fechatter chat events, kept for the search indexer",
		Subjects:    cfg.Subjects,
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      cfg.MaxAge,
		MaxBytes:    cfg.MaxBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("indexer: stream %s: %w", cfg.Stream, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		Description:   "Meilisearch indexer",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       2 * time.Minute,
		MaxAckPending: 4 * cfg.Batch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("indexer: consumer %s: %w", cfg.Durable, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ix := &Indexer{cfg: cfg, log: cfg.Logger, cons: cons, cancel: cancel}
	ix.wg.Add(1)
	go ix.run(runCtx)
	return ix, nil
}

func defaults(cfg *IndexerConfig) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Stream == "" {
		cfg.Stream = "FECHATTER_CHAT"
	}
	if len(cfg.Subjects) == 0 {
		cfg.Subjects = []string{"fechatter.chat.>"}
	}
	if cfg.Durable == "" {
		cfg.Durable = "search-indexer"
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 1 << 30
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 30 * time.Second
	}
}

// Close stops consuming; events not acknowledged yet are redelivered later.
func (ix *Indexer) Close() {
	ix.cancel()
	ix.wg.Wait()
}

func (ix *Indexer) run(ctx context.Context) {
	defer ix.wg.Done()
	failures := 0
	for ctx.Err() == nil {
		msgs, err := ix.fetch()
		if err == nil && len(msgs) > 0 {
			err = ix.apply(ctx, msgs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			ix.cfg.Metrics.failed()
			ix.log.Warn("search indexer: retrying", "err", err, "failures", failures)
			if !sleep(ctx, backoff(ix.cfg.Backoff, failures)) {
				return
			}
			continue
		}
		failures = 0
		ix.cfg.Metrics.observe(msgs)
	}
}

// fetch takes the next batch of events (none after MaxWait when the stream is idle).
func (ix *Indexer) fetch() ([]jetstream.Msg, error) {
	batch, err := ix.cons.Fetch(ix.cfg.Batch, jetstream.FetchMaxWait(ix.cfg.MaxWait))
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

// apply indexes a batch, retrying (and keeping the events in progress) until it succeeds or
// ctx ends; then acknowledges every event of the batch.
func (ix *Indexer) apply(ctx context.Context, msgs []jetstream.Msg) error {
	for attempt := 1; ; attempt++ {
		err := ix.index(ctx, msgs)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err() // not acknowledged: redelivered after AckWait
		}
		ix.cfg.Metrics.failed()
		ix.log.Warn("search indexer: batch failed; retrying", "err", err, "attempt", attempt, "events", len(msgs))
		for _, m := range msgs {
			_ = m.InProgress()
		}
		if !sleep(ctx, backoff(ix.cfg.Backoff, attempt)) {
			return ctx.Err()
		}
	}
	for _, m := range msgs {
		if err := m.Ack(); err != nil {
			return fmt.Errorf("ack: %w", err) // redelivered; indexing again is harmless
		}
	}
	return nil
}

// index reads every message the events concern as it is now and writes the batch.
func (ix *Indexer) index(ctx context.Context, msgs []jetstream.Msg) error {
	type key struct{ chat, seq int64 }
	seen := map[key]bool{}
	put := map[int64]fechatter.Message{}
	del := map[int64]bool{}
	for _, m := range msgs {
		chatID, seq, ok := parseEvent(m)
		if !ok || seen[key{chatID, seq}] {
			continue // typing and other ephemeral events carry no seq
		}
		seen[key{chatID, seq}] = true
		evs, err := ix.cfg.Store.Events(ctx, chatID, seq-1, 1)
		if fechatter.ErrorCode(err) == fechatter.ENotFound {
			continue
		}
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if len(evs) == 0 || evs[0].Seq != seq || evs[0].Kind.IsMember() {
			continue
		}
		msg := evs[0].Message
		if msg.Deleted {
			del[msg.ID] = true
			delete(put, msg.ID)
		} else if !del[msg.ID] {
			put[msg.ID] = msg
		}
	}
	var ms []fechatter.Message
	for _, m := range put {
		ms = append(ms, m)
	}
	var ids []int64
	for id := range del {
		ids = append(ids, id)
	}
	if err := ix.cfg.Index.Put(ctx, ms, ids); err != nil {
		return err
	}
	ix.cfg.Metrics.indexed(len(ms) + len(ids))
	return nil
}

// parseEvent reads the chat id from the subject (fechatter.chat.<id>) and the seq from the
// Fc-Seq header the hub sets on timeline events.
func parseEvent(m jetstream.Msg) (chatID, seq int64, ok bool) {
	i := strings.LastIndexByte(m.Subject(), '.')
	chatID, err1 := strconv.ParseInt(m.Subject()[i+1:], 10, 64)
	seq, err2 := strconv.ParseInt(m.Headers().Get("Fc-Seq"), 10, 64)
	return chatID, seq, err1 == nil && err2 == nil && seq > 0 && chatID > 0
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
