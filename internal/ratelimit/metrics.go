package ratelimit

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the limiter's Prometheus collectors. A nil *Metrics counts nothing.
type Metrics struct {
	limited   *prometheus.CounterVec
	fallbacks prometheus.Counter
	outages   prometheus.Counter
}

// NewMetrics creates the collectors and registers them with reg when it is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_rate_limited_total", Help: "Requests refused by a rate limit, by limit."}, []string{"limit"}),
		fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_ratelimit_fallbacks_total", Help: "Rate-limit checks answered by this node's memory because Redis failed."}),
		outages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_ratelimit_redis_outages_total", Help: "Times Redis became unavailable to the rate limiter."}),
	}
	if reg != nil {
		reg.MustRegister(m.limited, m.fallbacks, m.outages)
	}
	return m
}

// observe counts a refused check under the key's limit name.
func (m *Metrics) observe(key string, r Result) {
	if m == nil || r.Allowed {
		return
	}
	name, _, _ := strings.Cut(key, ":")
	m.limited.WithLabelValues(name).Inc()
}

func (m *Metrics) fellBack() {
	if m != nil {
		m.fallbacks.Inc()
	}
}

func (m *Metrics) outage() {
	if m != nil {
		m.outages.Inc()
	}
}
