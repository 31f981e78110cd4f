package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteSeries prints the run per 10 s: offered, accepted and refused sends per second, the
// delivery latency of what was received (from send and from acceptance), and the server's CPU
// and RSS when sampled.
func (r *Result) WriteSeries(w io.Writer) {
	if len(r.Series) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "t (s)\toffered/s\taccepted/s\trefused/s\tretried ok\tfrom send p50/p99/max\tfrom accept p50/p99/max\tcpu %\trss MB\t")
	secs := BucketWidth.Seconds()
	for i, b := range r.Series {
		cpu, rss := "-", "-"
		if b.RSSKB > 0 {
			cpu, rss = fmt.Sprintf("%.0f", 100*b.CPUSeconds/secs), fmt.Sprintf("%d", b.RSSKB/1024)
		}
		fmt.Fprintf(tw, "%.0f\t%.0f\t%.0f\t%.0f\t%d\t%s\t%s\t%s\t%s\t\n", float64(i+1)*secs,
			float64(b.Offered)/secs, float64(b.Accepted)/secs, float64(b.Refused)/secs, b.RetriedAccepted,
			triple(b.Latency), triple(b.AcceptLatency), cpu, rss)
	}
	tw.Flush()
}

// OverloadRow is the run as one row of docs/benchmarks.md's overload table (markdown).
func (r *Result) OverloadRow() string {
	secs := r.MeasureSeconds
	worst := &Histogram{} // the bucket with the highest p99 from acceptance
	for _, b := range r.Series {
		if b.AcceptLatency.Count() > 0 && b.AcceptLatency.Quantile(0.99) >= worst.Quantile(0.99) {
			worst = b.AcceptLatency
		}
	}
	refused := r.ErrorCodes["overloaded"] + r.ErrorCodes["rate_limited"]
	var closes []string
	for _, k := range slices.Sorted(maps.Keys(r.Closes)) {
		closes = append(closes, fmt.Sprintf("%d × %s", r.Closes[k], strings.TrimPrefix(k, "close ")))
	}
	if len(closes) == 0 {
		closes = []string{"0"}
	}
	cpu, rss := "-", "-"
	if s := r.Server; s != nil && secs > 0 {
		cpu = fmt.Sprintf("%.0f%%", 100*s.CPUSeconds/secs)
	}
	maxRSS := int64(0)
	for _, b := range r.Series {
		maxRSS = max(maxRSS, b.RSSKB)
	}
	if maxRSS > 0 {
		rss = fmt.Sprintf("%d MB", maxRSS/1024)
	}
	return fmt.Sprintf("| %.0f | %.0f | %.0f (%d overloaded, %d rate_limited) | %d of %d | %s | %s (worst 10 s: p99 %s) | %d | %s | %s | %s |",
		r.Rate, perSec(r.Acks, secs), perSec(refused, secs), r.ErrorCodes["overloaded"], r.ErrorCodes["rate_limited"],
		r.RetriedAccepted, r.Retries, triple(r.Latency), triple(r.AcceptLatency), ms(worst.Quantile(0.99)),
		r.Missing, strings.Join(closes, ", "), cpu, rss)
}

// OverloadHeader is the header of the rows OverloadRow prints.
const OverloadHeader = "| offered/s | accepted/s | refused/s | refused then accepted (sends / retries) | delivery from send p50/p99/max | from accept p50/p99/max | lost after audit | closed by server | server CPU | server RSS max |\n|---|---|---|---|---|---|---|---|---|---|"

func triple(h *Histogram) string {
	if h == nil || h.Count() == 0 {
		return "-"
	}
	return ms(h.Quantile(0.5)) + " / " + ms(h.Quantile(0.99)) + " / " + ms(h.Max())
}
