package ratelimit

import "github.com/prometheus/client_golang/prometheus"

// Len is the number of keys a Memory holds, for tests of its bound.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}

// Outages and Fallbacks expose the counters to tests.
func (m *Metrics) Outages() prometheus.Counter { return m.outages }

func (m *Metrics) Fallbacks() prometheus.Counter { return m.fallbacks }
