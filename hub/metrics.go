package hub

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the hub's Prometheus collectors.
type Metrics struct {
	connections    prometheus.Gauge
	delivered      prometheus.Counter
	frames         prometheus.Counter
	sends          *prometheus.CounterVec
	sendLatency    prometheus.Histogram
	slowClosed     prometheus.Counter
	slowStalled    prometheus.Counter
	disconnects    *prometheus.CounterVec
	replayed       prometheus.Counter
	resyncs        prometheus.Counter
	publishFailed  prometheus.Counter
	batchSize      prometheus.Histogram
	commitLatency  prometheus.Histogram
	refused        *prometheus.CounterVec
	forgiven       *prometheus.CounterVec
	pings          *prometheus.CounterVec
	lateness       prometheus.Gauge
	coalesce       prometheus.Gauge
	queued         prometheus.Gauge
	queueWait      prometheus.Histogram
	paced          prometheus.Gauge
	cuts           *prometheus.CounterVec
	replaysWaiting prometheus.Gauge
}

// NewMetrics creates the collectors and registers them with reg when it is not nil.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_connections", Help: "Open client connections on this node."}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_events_delivered_total", Help: "Events written to client sockets."}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_frames_written_total", Help: "Frames written to client sockets (one frame may hold several events)."}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_sends_total", Help: "Send frames by result (ok, duplicate, or an error code)."}, []string{"result"}),
		sendLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fechatter_send_ack_seconds", Help: "Time from receiving a send frame to queueing its ack.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		slowClosed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_slow_consumer_closes_total", Help: "Connections closed as slow consumers (4008): their queue overflowed or a frame's write was stuck past the write timeout."}),
		slowStalled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_slow_consumer_stalls_total", Help: "Of the slow-consumer closes, those because a frame's write was stuck past the write timeout (the client stopped reading)."}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_server_disconnects_total", Help: "Connections closed by the server, by reason."}, []string{"reason"}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_events_replayed_total", Help: "Timeline events replayed from the store (resume and gap recovery)."}),
		resyncs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_resyncs_total", Help: "resync events sent because a gap exceeded the replay bound."}),
		publishFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "fechatter_publish_failures_total", Help: "Committed events NATS could not take (delivered locally, recovered elsewhere by resume)."}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fechatter_send_batch_size", Help: "Sends stored by one transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		commitLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "fechatter_send_batch_seconds", Help: "Time to store one batch of sends.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16)}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_overload_refusals_total",
			Help: "Sends, user changes (edits, deletes, reactions, pins) and connects refused at once because the node was past capacity, by what (send, change, connect) and why (late: behind by more than the budget; pace: past the cap the node set itself after being late; full: the send queue was full; rate: past the connect rate)."},
			[]string{"what", "why"}),
		forgiven: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_deadlines_extended_total",
			Help: "Client deadlines (keepalive pong, auth frame) extended because the node itself was late or busy, not the client silent."},
			[]string{"what"}),
		pings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_pings_total",
			Help: "Keepalive rounds of WebSocket connections by outcome (pong; skipped: the client sent a frame since the last round; unanswered: no pong in the write timeout, closed; lost: the socket failed under the ping)."},
			[]string{"outcome"}),
		lateness: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_node_lateness_seconds", Help: "How far behind this node is now (scheduler, commit queue, fan-out; the largest of the last second)."}),
		coalesce: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_write_coalesce_seconds", Help: "How long a busy connection's next frame waits for more events now (FECHATTER_WRITE_COALESCE, stretched while the node is late; 0: off)."}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_send_queue_length", Help: "Sends and timeline changes waiting for a send worker on this node."}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fechatter_socket_queue_seconds",
			Help:    "How long the oldest event of each frame waited in its connection's outbound queue before the frame's write began.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}),
		paced: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_admission_cap_per_second", Help: "The cap on sends and changes admitted per second that this node set itself after being late (0: no cap)."}),
		cuts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fechatter_admission_cuts_total",
			Help: "Times this node cut its admission cap for being late, by the clock that read the lateness (scheduler, commit, queue, fanout, other)."},
			[]string{"clock"}),
		replaysWaiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fechatter_replays_waiting",
			Help: "Replays (resume, gap recovery) waiting for their turn at the store: the node is past its budget, or ReplayConcurrency replays are reading."}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.delivered, m.frames, m.sends, m.sendLatency, m.slowClosed, m.slowStalled,
			m.disconnects, m.replayed, m.resyncs, m.publishFailed, m.batchSize, m.commitLatency,
			m.refused, m.forgiven, m.pings, m.lateness, m.coalesce, m.queued, m.queueWait, m.paced, m.cuts, m.replaysWaiting)
	}
	return m
}
