package loadtest

import (
	"context"
	"sync"
	"time"
)

// BucketWidth is the span of one point of a run's time series.
const BucketWidth = 10 * time.Second

// Bucket is what happened in one BucketWidth of a run, counted from the start of the measured
// phase (the drain and the final audit fill the buckets after it).
type Bucket struct {
	Offered         int64 `json:"offered"`          // sends written the first time
	Accepted        int64 `json:"accepted"`         // acks received
	Refused         int64 `json:"refused"`          // answers overloaded or rate_limited (retried)
	RetriedAccepted int64 `json:"retried_accepted"` // acks of sends refused at least once before
	// Delivery latency of the messages received in the bucket: from the scheduled send, and
	// from the moment the server accepted them (the message's created_at, its commit time).
	Latency       *Histogram `json:"delivery_latency"`
	AcceptLatency *Histogram `json:"accept_latency"`
	// The server process over the bucket, when the generator knows its PID.
	CPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	RSSKB      int64   `json:"server_rss_kb,omitempty"`
}

func newBucket() Bucket { return Bucket{Latency: &Histogram{}, AcceptLatency: &Histogram{}} }

// series is the run's buckets; nothing is counted before start is set.
type series struct {
	mu      sync.Mutex
	start   time.Time
	buckets []Bucket
}

func (s *series) begin(now time.Time) {
	s.mu.Lock()
	s.start = now
	s.mu.Unlock()
}

// add applies fn to the bucket of now.
func (s *series) add(now time.Time, fn func(b *Bucket)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start.IsZero() || now.Before(s.start) {
		return
	}
	i := int(now.Sub(s.start) / BucketWidth)
	for len(s.buckets) <= i {
		s.buckets = append(s.buckets, newBucket())
	}
	fn(&s.buckets[i])
}

func (s *series) snapshot() []Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Bucket(nil), s.buckets...)
}

// sampleServer reads the server's CPU time and RSS from /proc at every bucket boundary until
// ctx ends, charging each bucket with the CPU spent in it.
func (s *series) sampleServer(ctx context.Context, pid int) {
	if pid <= 0 {
		return
	}
	last, err := ReadProc(pid)
	if err != nil {
		return
	}
	t := time.NewTicker(BucketWidth)
	defer t.Stop()
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return
		case now = <-t.C:
		}
		cur, err := ReadProc(pid)
		if err != nil {
			return
		}
		cpu := cur.CPUSeconds - last.CPUSeconds
		s.add(now.Add(-BucketWidth/2), func(b *Bucket) { b.CPUSeconds, b.RSSKB = cpu, cur.RSSKB })
		last = cur
	}
}

// mergeSeries adds the buckets of several processes, index by index.
func mergeSeries(dst, src []Bucket) []Bucket {
	for i, b := range src {
		if i >= len(dst) {
			dst = append(dst, newBucket())
		}
		d := &dst[i]
		d.Offered += b.Offered
		d.Accepted += b.Accepted
		d.Refused += b.Refused
		d.RetriedAccepted += b.RetriedAccepted
		d.Latency.Merge(b.Latency)
		d.AcceptLatency.Merge(b.AcceptLatency)
		d.CPUSeconds = max(d.CPUSeconds, b.CPUSeconds) // one server, sampled by each process
		d.RSSKB = max(d.RSSKB, b.RSSKB)
	}
	return dst
}
