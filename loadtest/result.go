package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Result is what one process measured, or the merge of several. Counters add up across
// processes; histograms merge bucket by bucket; phase durations take the slowest process.
type Result struct {
	Scenario string  `json:"scenario"`
	Label    string  `json:"label,omitempty"` // free text, e.g. "sqlite" or "postgres"
	Procs    int     `json:"procs"`
	Chats    int     `json:"chats"`
	Members  int     `json:"members"`
	Rate     float64 `json:"rate"` // scheduled sends per second, all processes together

	Conns          int     `json:"conns"`           // connections that got ready
	ConnectErrors  int64   `json:"connect_errors"`  // dials or handshakes that failed
	ConnectSeconds float64 `json:"connect_seconds"` // first dial to last ready
	MeasureSeconds float64 `json:"measure_seconds"` // the scheduled phase
	DrainSeconds   float64 `json:"drain_seconds"`   // waiting for the last deliveries

	Sends      int64 `json:"sends"`       // send frames written
	Acks       int64 `json:"acks"`        // acks received
	SendErrors int64 `json:"send_errors"` // error frames answering a send
	// Held is the sends still held in their connection's outbox when the run ended (refused
	// for overload, waiting for the node; never acked, so nothing the node promised).
	Held       int64 `json:"held,omitempty"`
	Lagged     int64 `json:"lagged"`     // sends written more than 100 ms after their slot
	Deliveries int64 `json:"deliveries"` // message events of this run received
	Expected   int64 `json:"expected"`   // Σ over acked sends of the chat's member count
	Duplicates int64 `json:"duplicates"` // an event at or below the connection's last seq
	// AuditDuplicates is the part of Duplicates that came once the final audit began.
	AuditDuplicates int64 `json:"audit_duplicates,omitempty"`
	Gaps            int64 `json:"gaps"` // events skipped on a live connection
	Resyncs         int64 `json:"resyncs"`
	Reconnects      int64 `json:"reconnects"` // churn: deliberate reconnects with resume
	// Retries are refused sends (overloaded, rate_limited) sent again, same client_id, after
	// the server's retry_after_ms plus jitter; Rejoins are connections the server closed (or
	// refused with 503) that came back with resume, after Retry-After plus jitter.
	Retries int64 `json:"retries,omitempty"`
	Rejoins int64 `json:"rejoins,omitempty"`
	Refused int64 `json:"refused_connects,omitempty"` // handshakes answered 503 (overloaded)
	// NodeLoss: the run killed a node on purpose (-node-loss), so dropped sockets that all came
	// back are not a problem.
	NodeLoss bool `json:"node_loss,omitempty"`
	// Missing: acked events some connection never got, after the final audit (every
	// connection resumed once more after the drain): lost, not late.
	Missing int64 `json:"missing"`
	// RetriedAccepted: acks of sends refused at least once before (the same client_id).
	RetriedAccepted int64 `json:"retried_accepted,omitempty"`
	// Refetched: events a resume sent again that the connection held already past a hole.
	Refetched    int64   `json:"refetched,omitempty"`
	AuditSeconds float64 `json:"audit_seconds"` // the final resume and its replays
	// ErrorCodes counts the error frames received, by code (overloaded, rate_limited, …).
	ErrorCodes map[string]int64 `json:"error_codes,omitempty"`
	// Series is the run per 10 s (BucketWidth) from the start of the measured phase.
	Series []Bucket `json:"series,omitempty"`

	OtherEvents int64 `json:"other_events"` // presence, typing and other events received
	// -mix: how many sends were thread replies and reactions, and the reaction events received
	// (counted in Deliveries too; their latency is not measured: they carry no send time).
	Replies            int64 `json:"replies,omitempty"`
	Reactions          int64 `json:"reactions,omitempty"`
	ReactionDeliveries int64 `json:"reaction_deliveries,omitempty"`

	Closes map[string]int64 `json:"closes,omitempty"` // connections the server closed (or dropped), by close code

	ConnectLatency *Histogram `json:"connect_latency"`  // dial → ready, µs
	AckLatency     *Histogram `json:"ack_latency"`      // scheduled send → ack, µs
	Latency        *Histogram `json:"delivery_latency"` // scheduled send → receive, µs
	// AcceptLatency is the delivery latency of accepted messages from the moment the server
	// accepted them (the message's created_at, its commit): refusals and retries excluded.
	AcceptLatency *Histogram `json:"accept_latency"`

	// Per chat: the highest seq acked and the lowest last seq any connection reached (churn).
	MaxAcked map[int64]int64 `json:"max_acked,omitempty"`
	MinSeen  map[int64]int64 `json:"min_seen,omitempty"`

	// -presence: connected members checked against their chats' presence after the audit,
	// those the nodes did not report online, and chats whose check got no answer.
	PresenceChecked int64 `json:"presence_checked,omitempty"`
	PresenceMissing int64 `json:"presence_missing,omitempty"`
	PresenceFailed  int64 `json:"presence_failed,omitempty"`

	Server *ServerCost `json:"server,omitempty"`
	Notes  []string    `json:"notes,omitempty"`
}

func newResult() *Result {
	return &Result{Procs: 1, Closes: map[string]int64{}, ErrorCodes: map[string]int64{},
		ConnectLatency: &Histogram{}, AckLatency: &Histogram{}, Latency: &Histogram{}, AcceptLatency: &Histogram{}}
}

// Merge combines the results of the processes of one run.
func Merge(parts []*Result) *Result {
	out := newResult()
	out.Procs = len(parts)
	for _, p := range parts {
		out.Scenario, out.Label, out.Chats, out.Members, out.Rate = p.Scenario, p.Label, p.Chats, p.Members, p.Rate
		out.Conns += p.Conns
		out.ConnectErrors += p.ConnectErrors
		out.ConnectSeconds = max(out.ConnectSeconds, p.ConnectSeconds)
		out.MeasureSeconds = max(out.MeasureSeconds, p.MeasureSeconds)
		out.DrainSeconds = max(out.DrainSeconds, p.DrainSeconds)
		out.AuditSeconds = max(out.AuditSeconds, p.AuditSeconds)
		out.RetriedAccepted += p.RetriedAccepted
		out.Refetched += p.Refetched
		for k, v := range p.ErrorCodes {
			out.ErrorCodes[k] += v
		}
		out.Series = mergeSeries(out.Series, p.Series)
		out.AcceptLatency.Merge(p.AcceptLatency)
		out.Sends += p.Sends
		out.Acks += p.Acks
		out.SendErrors += p.SendErrors
		out.Held += p.Held
		out.Lagged += p.Lagged
		out.Deliveries += p.Deliveries
		out.Expected += p.Expected
		out.Duplicates += p.Duplicates
		out.AuditDuplicates += p.AuditDuplicates
		out.Gaps += p.Gaps
		out.Resyncs += p.Resyncs
		out.Reconnects += p.Reconnects
		out.Retries += p.Retries
		out.Rejoins += p.Rejoins
		out.Refused += p.Refused
		out.NodeLoss = out.NodeLoss || p.NodeLoss
		out.OtherEvents += p.OtherEvents
		out.PresenceChecked += p.PresenceChecked
		out.PresenceMissing += p.PresenceMissing
		out.PresenceFailed += p.PresenceFailed
		out.Replies += p.Replies
		out.Reactions += p.Reactions
		out.ReactionDeliveries += p.ReactionDeliveries
		for k, v := range p.Closes {
			out.Closes[k] += v
		}
		out.ConnectLatency.Merge(p.ConnectLatency)
		out.AckLatency.Merge(p.AckLatency)
		out.Latency.Merge(p.Latency)
		mergeSeqs(&out.MaxAcked, p.MaxAcked, func(a, b int64) int64 { return max(a, b) })
		mergeSeqs(&out.MinSeen, p.MinSeen, func(a, b int64) int64 { return min(a, b) })
		for _, n := range p.Notes {
			if !slices.Contains(out.Notes, n) {
				out.Notes = append(out.Notes, n)
			}
		}
	}
	out.Missing = missing(out.MaxAcked, out.MinSeen)
	return out
}

func mergeSeqs(dst *map[int64]int64, src map[int64]int64, pick func(a, b int64) int64) {
	if len(src) == 0 {
		return
	}
	if *dst == nil {
		*dst = map[int64]int64{}
	}
	for k, v := range src {
		if old, ok := (*dst)[k]; ok {
			v = pick(old, v)
		}
		(*dst)[k] = v
	}
}

// missing counts, per chat, how far the laggiest connection stayed below the last acked seq.
func missing(maxAcked, minSeen map[int64]int64) int64 {
	var n int64
	for chat, acked := range maxAcked {
		if seen, ok := minSeen[chat]; ok && seen < acked {
			n += acked - seen
		}
	}
	return n
}

// Problems lists what makes a run inconsistent: errors, lost or duplicated events.
func (r *Result) Problems() []string {
	var p []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	add(r.ConnectErrors > 0, "%d connect errors", r.ConnectErrors)
	add(r.SendErrors > 0, "%d send errors", r.SendErrors)
	add(r.Acks != r.Sends-r.SendErrors-r.Held, "%d sends, %d acks, %d errors, %d held: some sends got no answer", r.Sends, r.Acks, r.SendErrors, r.Held)
	add(r.Deliveries != r.Expected, "%d deliveries, want %d (acked sends × members)", r.Deliveries, r.Expected)
	add(r.Duplicates > 0, "%d duplicate events", r.Duplicates)
	add(r.Gaps > 0, "%d gaps in seq", r.Gaps)
	add(r.Missing > 0, "%d acked events never reached a member", r.Missing)
	add(r.PresenceMissing > 0, "%d connected members not online in their chat's presence", r.PresenceMissing)
	add(r.PresenceFailed > 0, "%d chats' presence could not be read", r.PresenceFailed)
	for _, k := range slices.Sorted(maps.Keys(r.Closes)) {
		if k == dropped && r.NodeLoss && r.Closes[k] <= r.Rejoins {
			continue // the killed node's sockets, every one back; the checks above cover their events
		}
		add(true, "%d connections closed unexpectedly: %s", r.Closes[k], k)
	}
	return p
}

// WriteTable prints the human summary.
func (r *Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("scenario", "%s %s (procs %d)", r.Scenario, r.Label, r.Procs)
	row("connections", "%d ready, %d errors, %.1f s (%.0f/s)", r.Conns, r.ConnectErrors, r.ConnectSeconds, perSec(int64(r.Conns), r.ConnectSeconds))
	row("connect latency", "%s", quantiles(r.ConnectLatency))
	row("other events", "%d (presence, typing, …)", r.OtherEvents)
	if r.Replies+r.Reactions > 0 {
		row("mix", "%d thread replies, %d reactions (%d reaction events received)", r.Replies, r.Reactions, r.ReactionDeliveries)
	}
	if r.Rate > 0 {
		row("schedule", "%d chats × %d members, %.0f msg/s for %.1f s (drain %.1f s)", r.Chats, r.Members, r.Rate, r.MeasureSeconds, r.DrainSeconds)
		row("sends", "%d written, %d acked (%.0f/s), %d errors, %d still held, %d late >100ms", r.Sends, r.Acks, perSec(r.Acks, r.MeasureSeconds), r.SendErrors, r.Held, r.Lagged)
		row("ack latency", "%s", quantiles(r.AckLatency))
		row("deliveries", "%d of %d expected (%.0f/s)", r.Deliveries, r.Expected, perSec(r.Deliveries, r.MeasureSeconds+r.DrainSeconds))
		row("delivery latency", "%s", quantiles(r.Latency))
		row("from accept", "%s", quantiles(r.AcceptLatency))
		row("order", "%d duplicates (%d of them during the audit), %d gaps, %d resyncs, %d missing after the audit (%.1f s), %d reconnects", r.Duplicates, r.AuditDuplicates, r.Gaps, r.Resyncs, r.Missing, r.AuditSeconds, r.Reconnects)
		if len(r.ErrorCodes) > 0 {
			var codes []string
			for _, k := range slices.Sorted(maps.Keys(r.ErrorCodes)) {
				codes = append(codes, fmt.Sprintf("%d %s", r.ErrorCodes[k], k))
			}
			row("error frames", "%s; %d refused sends later accepted", strings.Join(codes, ", "), r.RetriedAccepted)
		}
		if r.Retries+r.Rejoins+r.Refused > 0 {
			row("push-back", "%d sends retried after a refusal, %d connections rejoined after a server close, %d handshakes refused (503)", r.Retries, r.Rejoins, r.Refused)
		}
	}
	if r.PresenceChecked+r.PresenceFailed > 0 {
		row("presence", "%d connected members checked, %d not online, %d chats unanswered", r.PresenceChecked, r.PresenceMissing, r.PresenceFailed)
	}
	if s := r.Server; s != nil {
		row("server rss", "%d KB idle → %d KB loaded: %.1f KB per connection", s.RSSBeforeKB, s.RSSLoadedKB, s.RSSPerConnKB)
		row("server cpu", "%.2f s measured: %.1f µs/delivery, %.1f µs/send; %.0f µs/connect", s.CPUSeconds, s.CPUPerDelivUS, s.CPUPerSendUS, s.ConnectCPUUS)
	}
	probs := r.Problems()
	if len(probs) == 0 {
		row("consistency", "ok")
	} else {
		row("consistency", "%s", strings.Join(probs, "; "))
	}
	for _, n := range r.Notes {
		row("note", "%s", n)
	}
	tw.Flush()
}

func perSec(n int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

func quantiles(h *Histogram) string { return h.Summary() }

// Summary is the line the result table prints for a latency: its percentiles and count, or
// "-" when it holds nothing.
func (h *Histogram) Summary() string {
	if h == nil || h.Count() == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)",
		ms(h.Quantile(0.5)), ms(h.Quantile(0.9)), ms(h.Quantile(0.99)), ms(h.Quantile(0.999)), ms(h.Max()), h.Count())
}

func ms(us int64) string {
	if us < 10000 {
		return fmt.Sprintf("%.2fms", float64(us)/1000)
	}
	return fmt.Sprintf("%.0fms", float64(us)/1000)
}
