package analytics

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus collectors. A nil *Metrics records nothing.
type Metrics struct {
	events      *prometheus.CounterVec
	dropped     prometheus.Counter
	pubFailed   prometheus.Counter
	inserted    prometheus.Counter
	duplicates  prometheus.Counter
	rejected    prometheus.Counter
	failures    prometheus.Counter
	lagEvents   prometheus.Gauge
	lagSeconds  prometheus.Gauge
	batchTime   prometheus.Histogram
	kindCounter map[string]prometheus.Counter // read-only after NewMetrics
}

// NewMetrics registers the pipeline's collectors with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_usage_events_total", Help: "Usage events tracked on this node, by kind (with or without ClickHouse)."}, []string{"kind"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_dropped_total", Help: "Usage events dropped because the emitter's buffer was full."}),
		pubFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_publish_failures_total", Help: "Usage events JetStream did not take (lost)."}),
		inserted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_inserted_total", Help: "Usage events written to ClickHouse."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_duplicates_total", Help: "Re-delivered usage events skipped because ClickHouse had them."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_rejected_total", Help: "Stream messages that were no usage event (acknowledged and dropped)."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_analytics_insert_failures_total", Help: "Failed ClickHouse inserts (each is retried with backoff)."}),
		lagEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_analytics_lag_events", Help: "Usage events in the stream not yet delivered to the ClickHouse consumer."}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_analytics_lag_seconds", Help: "Age of the newest event written while more are pending; 0 when caught up."}),
		batchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fechatter_analytics_insert_seconds", Help: "Time to write one batch to ClickHouse.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		kindCounter: map[string]prometheus.Counter{},
	}
	for _, k := range allKinds {
		m.kindCounter[string(k)] = m.events.WithLabelValues(string(k))
	}
	if reg != nil {
		reg.MustRegister(m.events, m.dropped, m.pubFailed, m.inserted, m.duplicates, m.rejected,
			m.failures, m.lagEvents, m.lagSeconds, m.batchTime)
	}
	return m
}

func (m *Metrics) tracked(kind string) {
	if m == nil {
		return
	}
	if c := m.kindCounter[kind]; c != nil {
		c.Inc()
	}
}

func inc(c prometheus.Counter, n int) {
	if c != nil && n > 0 {
		c.Add(float64(n))
	}
}

// observe records the lag after a batch (empty: the consumer is caught up).
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
