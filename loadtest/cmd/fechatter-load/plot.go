package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/fechatter/fechatter/loadtest"
)

// runPlot draws delivery (or ack) latency percentiles of several results against one of
// their parameters: `plot -o chart.png -x rate a.json b.json …`.
func runPlot(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "latency.png", "PNG file to write")
	xKey := fs.String("x", "rate", "x axis: rate, members, conns or deliveries_per_s")
	which := fs.String("latency", "delivery", "delivery or ack")
	title := fs.String("title", "", "chart title")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var results []*loadtest.Result
	for _, p := range fs.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r loadtest.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		results = append(results, &r)
	}
	if len(results) == 0 {
		return fmt.Errorf("plot: no result files")
	}
	x := func(r *loadtest.Result) float64 {
		switch *xKey {
		case "members":
			return float64(r.Members)
		case "conns":
			return float64(r.Conns)
		case "deliveries_per_s":
			return float64(r.Deliveries) / max(r.MeasureSeconds+r.DrainSeconds, 1e-9)
		}
		return r.Rate
	}
	slices.SortFunc(results, func(a, b *loadtest.Result) int { return int(x(a) - x(b)) })
	c := loadtest.Chart{Title: *title, XLabel: *xKey, YLabel: *which + " latency, ms (log)", LogY: true}
	if c.Title == "" {
		c.Title = fmt.Sprintf("%s latency vs %s (%s)", *which, *xKey, results[0].Scenario)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		s := loadtest.Series{Name: fmt.Sprintf("p%g", q*100)}
		for _, r := range results {
			h := r.Latency
			if *which == "ack" {
				h = r.AckLatency
			}
			if h != nil && h.Count() > 0 {
				s.Points = append(s.Points, [2]float64{x(r), float64(h.Quantile(q)) / 1000})
			}
		}
		c.Series = append(c.Series, s)
	}
	return c.WritePNG(*out)
}
