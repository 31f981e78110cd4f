package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves the node's Prometheus registry.
func (n *Node) metricsHandler() http.Handler {
	return promhttp.HandlerFor(n.registry, promhttp.HandlerOpts{})
}

// serveMetrics serves /metrics on MetricsAddr, a listener of its own for a private network,
// when it is set; the main port then answers /metrics with 404. It is the last step of Open:
// the listener is stopped by Shutdown.
func (n *Node) serveMetrics() error {
	if n.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", n.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.metricsHandler())
	n.metrics = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       n.cfg.ReadTimeout,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	n.metricsLn = ln
	n.metricsDone = make(chan struct{})
	n.log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		defer close(n.metricsDone)
		if err := n.metrics.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("metrics listener failed", "err", err)
		}
	}()
	return nil
}

// MetricsAddr is the address of the metrics listener, "" when metrics share the main port.
func (n *Node) MetricsAddr() string {
	if n.metricsLn == nil {
		return ""
	}
	return n.metricsLn.Addr().String()
}

func (n *Node) stopMetrics(ctx context.Context) error {
	if n.metrics == nil {
		return nil
	}
	err := n.metrics.Shutdown(ctx)
	<-n.metricsDone
	return err
}
