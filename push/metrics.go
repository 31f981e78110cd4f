package push

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the push hook's Prometheus collectors.
type Metrics struct {
	notices *prometheus.CounterVec
	skipped *prometheus.CounterVec
	retries prometheus.Counter
	queued  prometheus.Gauge
	latency prometheus.Histogram
}

// NewMetrics creates the collectors and registers them with reg when it is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_push_notices_total",
			Help: "Push notices by outcome: sent, rejected (4xx), failed (tries ran out), dropped (queue full), abandoned (shutdown)."},
			[]string{"result"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_push_skipped_total",
			Help: "Recipients not pushed, by reason: online, preferences, error (a store lookup failed)."},
			[]string{"reason"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_push_retries_total", Help: "Push requests tried again after a 5xx, 408, 429, timeout or network error."}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_push_queue_length", Help: "Messages waiting for the push hook."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fechatter_push_request_seconds", Help: "Time of one push request to the receiver.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	if reg != nil {
		reg.MustRegister(m.notices, m.skipped, m.retries, m.queued, m.latency)
	}
	return m
}
