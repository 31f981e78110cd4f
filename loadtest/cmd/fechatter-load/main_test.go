package main

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/loadtest"
)

// The per-10 s series is printed for a run that kills a node, whose totals hide the seconds
// around the kill, as for an overload run (whose report also needs its histograms, not set
// here); not for a plain room run.
func TestReportPrintsTheSeriesWhenTheRunChangesCourse(t *testing.T) {
	for _, c := range []struct {
		name     string
		scenario string
		nodeLoss bool
		want     bool
	}{
		{"room", loadtest.Room, false, false},
		{"room with a node killed", loadtest.Room, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			m := &Main{stdout: &out, stderr: io.Discard}
			m.cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			res := &loadtest.Result{Scenario: c.scenario, NodeLoss: c.nodeLoss, Series: []loadtest.Bucket{
				{Offered: 10, Accepted: 10, Latency: &loadtest.Histogram{}, AcceptLatency: &loadtest.Histogram{}}}}
			if err := m.report(res); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(out.String(), "offered/s"); got != c.want {
				t.Fatalf("series printed: %v, want %v\n%s", got, c.want, out.String())
			}
		})
	}
}
