package node_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// With MetricsAddr the metrics leave the public port for a listener of their own, which
// stops with the node.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.MetricsAddr = "127.0.0.1:0" }})
	addr := s.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	if status, body := get(t, s.URL+"/metrics"); status != http.StatusNotFound || strings.Contains(body, "fechatter_") {
		t.Fatalf("main port /metrics: %d %.80s", status, body)
	}
	if status, body := get(t, "http://"+addr+"/metrics"); status != http.StatusOK || !strings.Contains(body, "fechatter_connections") {
		t.Fatalf("metrics port: %d %.200s", status, body)
	}
	if status, _ := get(t, "http://"+addr+"/healthz"); status != http.StatusNotFound {
		t.Fatalf("the metrics port serves more than metrics: /healthz %d", status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the metrics listener outlived the node")
	}
}

// Without it they stay on the main port, as before.
func TestMetricsOnTheMainPortByDefault(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	if s.MetricsAddr() != "" {
		t.Fatalf("metrics listener %q without MetricsAddr", s.MetricsAddr())
	}
	if status, body := get(t, s.URL+"/metrics"); status != http.StatusOK || !strings.Contains(body, "fechatter_connections") {
		t.Fatalf("main port /metrics: %d %.200s", status, body)
	}
}
