package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig names the JetStream stream of usage events.
type StreamConfig struct {
	Name     string        // e.g. "FECHATTER_USAGE"
	Subject  string        // subject prefix, e.g. "fechatter.usage"; the stream takes <Subject>.>
	MaxAge   time.Duration // how long events wait for ClickHouse at most (default 7 days)
	MaxBytes int64         // size cap, oldest dropped first (default 1 GiB)
}

// EnsureStream creates or updates the stream. Publishing an event id twice within two
// minutes stores it once (JetStream's duplicate window).
func EnsureStream(ctx context.Context, nc *nats.Conn, cfg StreamConfig) error {
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 7 * 24 * time.Hour
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 1 << 30
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("analytics: jetstream: %w", err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Name,
		Description: "Fechatter usage events on their way to ClickHouse",
		Subjects:    []string{cfg.Subject + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      cfg.MaxAge,
		MaxBytes:    cfg.MaxBytes,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("analytics: stream %s: %w", cfg.Name, err)
	}
	return nil
}
