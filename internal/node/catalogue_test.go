package node

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/analytics"
	"github.com/fechatter/fechatter/hub"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/fechatter/fechatter/push"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metricNames are the names a node can export (every collector Open and openSearch register)
// and, in series, those with the series names of histograms (_bucket, _sum, _count).
func metricNames(t *testing.T) (names, series map[string]bool) {
	t.Helper()
	reg := prometheus.NewRegistry()
	hub.NewMetrics(reg)
	meili.NewMetrics(reg)
	ratelimit.NewMetrics(reg)
	analytics.NewMetrics(reg)
	push.NewMetrics(reg)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newReadyCollector(&Node{}))
	ch := make(chan *prometheus.Desc)
	go func() { reg.Describe(ch); close(ch) }()
	fq := regexp.MustCompile(`fqName: "([a-zA-Z_:][a-zA-Z0-9_:]*)"`)
	names, series = map[string]bool{}, map[string]bool{}
	for d := range ch {
		m := fq.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("no name in %s", d)
		}
		names[m[1]], series[m[1]] = true, true
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			series[m[1]+suffix] = true
		}
	}
	return names, series
}

var metricRef = regexp.MustCompile(`\b(?:fechatter|go|process)_[a-z0-9_]+\b`)

// The alert rules and the operator dashboard use only metrics the node exports: a renamed
// metric fails here instead of silently emptying a panel or muting an alert.
func TestAlertsAndDashboardUseRealMetrics(t *testing.T) {
	_, series := metricNames(t)
	files := []string{"../../deploy/prometheus/alerts.yml", "../../deploy/grafana/dashboards/fechatter-operator.json"}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		refs := 0
		for _, m := range metricRef.FindAllString(string(raw), -1) {
			refs++
			if !series[m] {
				t.Errorf("%s uses %s, which no collector exports", filepath.Base(f), m)
			}
		}
		if refs < 5 {
			t.Errorf("%s: only %d metric references found", filepath.Base(f), refs)
		}
	}
}

// docs/operations.md's metrics catalogue names every fechatter_ metric a node exports.
func TestMetricsCatalogueIsComplete(t *testing.T) {
	raw, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	names, _ := metricNames(t)
	for name := range names {
		if strings.HasPrefix(name, "fechatter_") && !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/operations.md does not list %s", name)
		}
	}
}
