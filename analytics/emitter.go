package analytics

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter"
)

var allKinds = append(append([]fechatter.UsageKind{}, fechatter.ServerUsageKinds...), fechatter.ClientUsageKinds...)

// EmitterConfig configures an Emitter.
type EmitterConfig struct {
	// NATS carries the events to Stream; nil: events are only counted (no ClickHouse).
	NATS    *nats.Conn
	Subject string // subject prefix, e.g. "fechatter.usage" (events go to <Subject>.<kind>)
	Buffer  int    // events waiting for the publisher before new ones are dropped (default 8192)
	Metrics *Metrics
	Logger  *slog.Logger
}

// Emitter takes usage events off the hot path. Track never blocks: it copies the event into
// a bounded buffer, or drops and counts it when the buffer is full.
type Emitter struct {
	ch      chan fechatter.UsageEvent
	js      jetstream.JetStream
	subject string
	m       *Metrics
	log     *slog.Logger
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	close   sync.Once
}

// NewEmitter starts an emitter; Close stops it.
func NewEmitter(cfg EmitterConfig) (*Emitter, error) {
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Emitter{m: cfg.Metrics, log: cfg.Logger, subject: cfg.Subject}
	if cfg.NATS == nil {
		return e, nil
	}
	if cfg.Buffer <= 0 {
		cfg.Buffer = 8192
	}
	js, err := jetstream.New(cfg.NATS,
		jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, _ *nats.Msg, err error) {
			e.m.pubFailed.Inc()
			e.log.Warn("analytics: publish failed; event lost", "err", err)
		}))
	if err != nil {
		return nil, err
	}
	e.js = js
	e.ch = make(chan fechatter.UsageEvent, cfg.Buffer)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(1)
	go e.run(ctx)
	return e, nil
}

// Track records an event. At is set now when zero, Source to "server" when empty. It is
// safe on a nil *Emitter (analytics off) and never blocks.
func (e *Emitter) Track(ev fechatter.UsageEvent) {
	if e == nil {
		return
	}
	e.m.tracked(string(ev.Kind))
	if e.ch == nil {
		return
	}
	if ev.At.IsZero() {
		ev.At = time.Now()
	}
	select {
	case e.ch <- ev:
	default:
		e.m.dropped.Inc()
	}
}

// run publishes buffered events until ctx ends, then publishes what is left and waits (a
// few seconds at most) for JetStream to acknowledge them.
func (e *Emitter) run(ctx context.Context) {
	defer e.wg.Done()
	for {
		select {
		case ev := <-e.ch:
			e.publish(ev)
		case <-ctx.Done():
			for {
				select {
				case ev := <-e.ch:
					e.publish(ev)
					continue
				default:
				}
				break
			}
			select {
			case <-e.js.PublishAsyncComplete():
			case <-time.After(5 * time.Second):
				e.log.Warn("analytics: events still unacknowledged at shutdown", "pending", e.js.PublishAsyncPending())
			}
			return
		}
	}
}

func (e *Emitter) publish(ev fechatter.UsageEvent) {
	if ev.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			id = uuid.New()
		}
		ev.ID = id.String()
	}
	if ev.Source == "" {
		ev.Source = fechatter.SourceServer
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	data, err := json.Marshal(ev)
	if err != nil {
		e.m.pubFailed.Inc()
		return
	}
	msg := &nats.Msg{Subject: e.subject + "." + string(ev.Kind), Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, ev.ID) // JetStream drops a second publish of one event
	if _, err := e.js.PublishMsgAsync(msg); err != nil {
		e.m.pubFailed.Inc()
		e.log.Warn("analytics: publish failed; event lost", "kind", ev.Kind, "err", err)
	}
}

// Close publishes the events still buffered and stops. Events tracked afterwards are dropped.
func (e *Emitter) Close() {
	if e == nil || e.cancel == nil {
		return
	}
	e.close.Do(func() {
		e.cancel()
		e.wg.Wait()
	})
}
