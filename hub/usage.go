package hub

import (
	"time"

	"github.com/fechatter/fechatter"
	dto "github.com/prometheus/client_model/go"
)

// Usage takes product analytics events; *analytics.Emitter implements it. Track must never
// block: it runs on connection goroutines.
type Usage interface {
	Track(e fechatter.UsageEvent)
}

// trackUser records a usage event of the connection's user.
func (c *Client) trackUser(e fechatter.UsageEvent) {
	if c.h.cfg.Usage == nil {
		return
	}
	c.mu.Lock()
	e.WorkspaceID, e.UserID = c.user.WorkspaceID, c.user.ID
	c.mu.Unlock()
	c.h.cfg.Usage.Track(e)
}

// trackSession records the end of a connection that was set up: why and how long it lasted.
func (c *Client) trackSession(transport string, since time.Time) func() {
	c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageConnected, Code: transport})
	return func() {
		reason := "client closed"
		if d := c.closing.Load(); d != nil {
			reason = d.Reason
		}
		c.trackUser(fechatter.UsageEvent{Kind: fechatter.UsageDisconnected, Code: reason,
			DurationMs: float64(time.Since(since).Milliseconds())})
	}
}

// SendAckQuantile estimates the q quantile of send→ack in seconds on this node since it
// started, from the fechatter_send_ack_seconds histogram (linear within a bucket, as
// PromQL's histogram_quantile); false before the first send.
func (h *Hub) SendAckQuantile(q float64) (float64, bool) {
	var m dto.Metric
	if err := h.m.sendLatency.Write(&m); err != nil || m.Histogram.GetSampleCount() == 0 {
		return 0, false
	}
	hist := m.Histogram
	rank := q * float64(hist.GetSampleCount())
	prevBound, prevCount := 0.0, 0.0
	for _, b := range hist.Bucket {
		n := float64(b.GetCumulativeCount())
		if n >= rank {
			if n == prevCount {
				return b.GetUpperBound(), true
			}
			return prevBound + (b.GetUpperBound()-prevBound)*(rank-prevCount)/(n-prevCount), true
		}
		prevBound, prevCount = b.GetUpperBound(), n
	}
	return prevBound, true // beyond the last bucket: its bound is the best estimate
}
