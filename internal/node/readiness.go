package node

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// readiness checks whether this node should get traffic: each check ("store", "nats",
// "node") and whether it passes. /readyz and the fechatter_ready metric both read it.
func (n *Node) readiness(ctx context.Context) map[string]bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return map[string]bool{
		"store": n.Store.Ping(ctx) == nil,
		"nats":  n.bridge.Ready() == nil,
		"node":  !n.draining.Load(),
	}
}

// readyCollector exports readiness as fechatter_ready{check}: 1 passing, 0 failing, checked
// at each scrape, so dashboards and alerts see the store and NATS as /readyz does.
type readyCollector struct {
	n    *Node
	desc *prometheus.Desc
}

func newReadyCollector(n *Node) *readyCollector {
	return &readyCollector{n: n, desc: prometheus.NewDesc("fechatter_ready",
		"Readiness checks of this node (store, nats, node: 0 while draining); 1 passing, 0 failing.",
		[]string{"check"}, nil)}
}

func (c *readyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *readyCollector) Collect(ch chan<- prometheus.Metric) {
	for check, ok := range c.n.readiness(context.Background()) {
		v := 0.0
		if ok {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, check)
	}
}
