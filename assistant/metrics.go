package assistant

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	answers    *prometheus.CounterVec
	tokens     prometheus.Counter
	streamed   prometheus.Counter
	duration   prometheus.Histogram
	firstToken prometheus.Histogram
	running    prometheus.Gauge
	dropped    prometheus.Counter
	swept      prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fechatter_assistant_answers_total",
			Help: "Assistant answers by final state (complete, failed, canceled)."}, []string{"state"}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_assistant_tokens_total",
			Help: "Completion tokens the model streamed."}),
		streamed: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_assistant_stream_events_total",
			Help: "Ephemeral stream events published."}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fechatter_assistant_answer_seconds",
			Help: "Time from a question to its stored answer.", Buckets: prometheus.ExponentialBuckets(0.25, 2, 10)}),
		firstToken: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "fechatter_assistant_first_token_seconds",
			Help: "Time from a question to the model's first text.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 10)}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "fechatter_assistant_running",
			Help: "Answers streaming on this node."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_assistant_triggers_dropped_total",
			Help: "Messages not looked at for mentions of the assistant because its queue was full."}),
		swept: prometheus.NewCounter(prometheus.CounterOpts{Name: "fechatter_assistant_swept_total",
			Help: "Answers a dead node left streaming, marked failed."}),
	}
	if reg != nil {
		reg.MustRegister(m.answers, m.tokens, m.streamed, m.duration, m.firstToken, m.running, m.dropped, m.swept)
	}
	return m
}
