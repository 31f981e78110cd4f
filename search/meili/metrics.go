package meili

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the indexer's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	lagEvents  prometheus.Gauge
	lagSeconds prometheus.Gauge
	docs       prometheus.Counter
	failures   prometheus.Counter
}

// NewMetrics registers the indexer's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lagEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_search_index_lag_events",
			Help: "Chat events in the JetStream stream not yet delivered to the search indexer.",
		}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_search_index_lag_seconds",
			Help: "Age of the newest event the search indexer has applied while more are pending; 0 when caught up.",
		}),
		docs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_search_indexed_documents_total",
			Help: "Documents written to or removed from Meilisearch by the indexer.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_search_index_failures_total",
			Help: "Failed attempts of the search indexer (each is retried with backoff).",
		}),
	}
	reg.MustRegister(m.lagEvents, m.lagSeconds, m.docs, m.failures)
	return m
}

// observe records the lag after a batch (nil or empty: the consumer is caught up).
func (m *Metrics) observe(batch []jetstream.Msg) {
	if m == nil {
		return
	}
	if len(batch) == 0 {
		m.lagEvents.Set(0)
		m.lagSeconds.Set(0)
		return
	}
	meta, err := batch[len(batch)-1].Metadata()
	if err != nil {
		return
	}
	m.lagEvents.Set(float64(meta.NumPending))
	if meta.NumPending == 0 {
		m.lagSeconds.Set(0)
	} else {
		m.lagSeconds.Set(time.Since(meta.Timestamp).Seconds())
	}
}

func (m *Metrics) indexed(n int) {
	if m != nil {
		m.docs.Add(float64(n))
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.failures.Inc()
	}
}
