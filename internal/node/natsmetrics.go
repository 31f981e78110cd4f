package node

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// natsHealth counts what happens to the node's own NATS connection and exports, at each
// scrape, how far behind the fan-out is: the signs that come before NATS cuts a slow node off.
type natsHealth struct {
	disconnects atomic.Int64
	slow        atomic.Int64 // subscriptions NATS dropped messages for (slow consumer)
}

func (n *Node) registerNATSMetrics() {
	h := &n.natsHealth
	n.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "fechatter_nats_disconnects_total",
			Help: "Times this node's NATS connection was lost (it reconnects, then recovers gaps from the store)."},
			func() float64 { return float64(h.disconnects.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "fechatter_nats_slow_consumer_total",
			Help: "Times NATS dropped messages for this node because its delivery workers were behind."},
			func() float64 { return float64(h.slow.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "fechatter_fanout_lag_seconds",
			Help: "Largest publish-to-dispatch delay of a timeline event on this node in the last second."},
			func() float64 { return n.bridge.Lag().Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "fechatter_fanout_backlog_ratio",
			Help: "Share of the fan-out delivery queues in use; at 1 NATS drops messages for this node."},
			func() float64 {
				q, c := n.bridge.Backlog()
				return float64(q) / float64(max(c, 1))
			}),
	)
}
