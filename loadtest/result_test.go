package loadtest

import (
	"encoding/json"
	"strings"
	"testing"
)

func part(conns int, sends, acks, deliv, expected int64, lat ...int64) *Result {
	r := newResult()
	r.Scenario, r.Conns, r.Sends, r.Acks, r.Deliveries, r.Expected = "room", conns, sends, acks, deliv, expected
	for _, v := range lat {
		r.Latency.RecordValue(v)
	}
	return r
}

func TestMergeAddsCountersAndHistograms(t *testing.T) {
	a := part(10, 5, 5, 30, 50, 100, 200)
	a.ConnectSeconds, a.MeasureSeconds = 2, 10
	b := part(10, 5, 5, 20, 50, 300)
	b.ConnectSeconds, b.MeasureSeconds = 3, 9
	b.Closes["close 4008"] = 2
	// Through JSON, as the children's results arrive.
	var parts []*Result
	for _, p := range []*Result{a, b} {
		raw, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Result
		if err := json.Unmarshal(raw, &q); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, &q)
	}
	m := Merge(parts)
	if m.Procs != 2 || m.Conns != 20 || m.Sends != 10 || m.Acks != 10 || m.Deliveries != 50 || m.Expected != 100 {
		t.Fatalf("merged counters wrong: %+v", m)
	}
	if m.ConnectSeconds != 3 || m.MeasureSeconds != 10 {
		t.Fatalf("phases should take the slowest process: connect %v measure %v", m.ConnectSeconds, m.MeasureSeconds)
	}
	if m.Latency.Count() != 3 || m.Latency.Max() != 300 || m.Latency.Quantile(0.5) != 200 {
		t.Fatalf("merged histogram: n=%d max=%d p50=%d", m.Latency.Count(), m.Latency.Max(), m.Latency.Quantile(0.5))
	}
	probs := strings.Join(m.Problems(), "; ")
	if !strings.Contains(probs, "50 deliveries, want 100") || !strings.Contains(probs, "close 4008") {
		t.Fatalf("problems should name the missing deliveries and the slow-consumer closes: %s", probs)
	}
}

func TestMergeChurnFindsMissedEvents(t *testing.T) {
	a, b := part(1, 0, 0, 0, 0), part(1, 0, 0, 0, 0)
	a.MaxAcked = map[int64]int64{7: 40, 8: 10}
	a.MinSeen = map[int64]int64{7: 40, 8: 10}
	b.MaxAcked = map[int64]int64{7: 42}
	b.MinSeen = map[int64]int64{7: 39, 8: 10}
	m := Merge([]*Result{a, b})
	if m.Missing != 3 { // chat 7: acked up to 42 somewhere, one connection stopped at 39
		t.Fatalf("missing %d, want 3", m.Missing)
	}
	if len(m.Problems()) != 1 {
		t.Fatalf("problems: %v", m.Problems())
	}
}

// A run that kills a node on purpose (-node-loss) expects the sockets it drops, but only if
// every one of them came back; any other close is still a problem.
func TestNodeLossExcusesOnlyDropsThatCameBack(t *testing.T) {
	for _, c := range []struct {
		name     string
		nodeLoss bool
		rejoins  int64
		closes   map[string]int64
		problems int
	}{
		{"no node loss", false, 5, map[string]int64{"read error": 5}, 1},
		{"all back", true, 5, map[string]int64{"read error": 5}, 0},
		{"one not back", true, 4, map[string]int64{"read error": 5}, 1},
		{"a slow consumer too", true, 9, map[string]int64{"read error": 5, "close 4008": 2}, 1},
	} {
		r := part(10, 5, 5, 50, 50)
		r.NodeLoss, r.Rejoins, r.Closes = c.nodeLoss, c.rejoins, c.closes
		m := Merge([]*Result{r, part(0, 0, 0, 0, 0)}) // through Merge, as a -procs run reports
		if got := m.Problems(); len(got) != c.problems {
			t.Errorf("%s: problems %v, want %d", c.name, got, c.problems)
		}
	}
}
