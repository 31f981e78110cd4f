package node

import (
	"context"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter/analytics"
	"github.com/fechatter/fechatter/fanout"
	"github.com/fechatter/fechatter/rest"
)

// openAnalytics starts the usage pipeline before the hub: without ClickHouseURL an emitter
// that only counts (Prometheus); with it, the JetStream stream, an emitter that publishes to
// it and the consumer that writes it to ClickHouse.
func (n *Node) openAnalytics(ctx context.Context) error {
	m := analytics.NewMetrics(n.registry)
	if n.cfg.ClickHouseURL == "" {
		n.usage, _ = analytics.NewEmitter(analytics.EmitterConfig{Metrics: m, Logger: n.log})
		n.log.Info("analytics: reduced (no ClickHouse)")
		return nil
	}
	ch, err := analytics.OpenClickHouse(ctx, n.cfg.ClickHouseURL, n.cfg.AnalyticsRetention)
	if err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	n.clickhouse = ch
	prefix := n.cfg.NATSPrefix
	if prefix == "" {
		prefix = fanout.DefaultPrefix
	}
	stream := strings.TrimSuffix(streamName(prefix), "_CHAT") + "_USAGE"
	subject := prefix + ".usage"
	if err := analytics.EnsureStream(ctx, n.nc, analytics.StreamConfig{Name: stream, Subject: subject}); err != nil {
		return err
	}
	if n.usage, err = analytics.NewEmitter(analytics.EmitterConfig{NATS: n.nc, Subject: subject, Metrics: m, Logger: n.log}); err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	n.consumer, err = analytics.StartConsumer(ctx, analytics.ConsumerConfig{
		NATS: n.nc, Stream: stream, Sink: ch, Metrics: m, Logger: n.log, AckWait: n.cfg.AnalyticsAckWait,
		MaxWait: n.cfg.AnalyticsFlush,
	})
	if err != nil {
		return fmt.Errorf("analytics: %w", err)
	}
	n.log.Info("analytics: clickhouse", "database", ch.Database(), "stream", stream)
	return nil
}

// statsConfig wires the admin stats and erasure for the REST API.
func (n *Node) statsConfig(cfg *rest.Config) {
	if n.clickhouse == nil {
		cfg.Stats = analytics.Reduced{Store: n.Store, Node: n.Hub}
		return
	}
	cfg.Stats = analytics.ClickHouseStats{CH: n.clickhouse, Chats: n.Store, Node: n.Hub}
	cfg.Forgetter = n.clickhouse
}

// closeAnalytics publishes what the emitter holds, then stops the consumer and ClickHouse.
// It runs before the NATS connection closes.
func (n *Node) closeAnalytics() {
	n.usage.Close()
	if n.consumer != nil {
		n.consumer.Close()
	}
	if n.clickhouse != nil {
		n.clickhouse.Close()
	}
}
