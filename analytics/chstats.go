package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// ClickHouseStats answers the admin stats from the rollups: active users are the people
// with any event in a bucket (signed in, connected, sent, searched…), messages the
// message_sent events; it adds series of connections, searches, errors, client errors and
// send→ack p50/p99, and errors by code and client errors by page. Connections now are this
// node's.
type ClickHouseStats struct {
	CH    *ClickHouse
	Chats Chats
	Node  Node
}

// seriesOf names the series made of a kind's event counts.
var seriesOf = map[fechatter.UsageKind]string{
	fechatter.UsageMessageSent: "messages", fechatter.UsageConnected: "connections", fechatter.UsageSearch: "searches",
	fechatter.UsageError: "errors", fechatter.UsageClientError: "client_errors", fechatter.UsageLogin: "logins",
	fechatter.UsageSignup: "signups", fechatter.UsageLoginFailed: "failed_logins",
}

// Stats implements the admin stats.
func (s ClickHouseStats) Stats(ctx context.Context, q fechatter.StatsQuery) (fechatter.Stats, error) {
	st := newStats(ModeClickHouse, q)
	for _, name := range seriesOf {
		st.Series[name] = buckets(q)
		st.Totals[name] = 0
	}
	st.Series["send_ack_p50_ms"] = buckets(q)
	st.Series["send_ack_p99_ms"] = buckets(q)
	table := "events_daily"
	if q.Interval == fechatter.IntervalHour {
		table = "events_hourly"
	}
	from := q.From.UTC().Truncate(q.Interval.Duration())
	steps := []func() error{
		func() error { return s.kinds(ctx, &st, table, q.WorkspaceID, from, q.To) },
		func() error { return s.users(ctx, &st, table, q.WorkspaceID, from, q.To) },
		func() error { return s.latency(ctx, &st, table, q.WorkspaceID, from, q.To) },
		func() error { return s.breakdowns(ctx, &st, q.WorkspaceID, from, q.To) },
		func() error { return s.top(ctx, &st, q, from) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fechatter.Stats{}, fmt.Errorf("clickhouse stats: %w", err)
		}
	}
	nodeStats(&st, s.Node)
	return st, nil
}

const window = " WHERE workspace_id = ? AND t >= ? AND t < ?"

func (s ClickHouseStats) kinds(ctx context.Context, st *fechatter.Stats, table string, ws int64, from, to time.Time) error {
	rows, err := s.CH.conn.Query(ctx, s.CH.sql("SELECT t, kind, sum(events) FROM {db}."+table+window+" GROUP BY t, kind"), uint64(ws), from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var kind string
		var n uint64
		if err := rows.Scan(&t, &kind, &n); err != nil {
			return err
		}
		if name, ok := seriesOf[fechatter.UsageKind(kind)]; ok {
			add(st.Series[name], t.UTC(), float64(n))
			st.Totals[name] += float64(n)
		}
	}
	return rows.Err()
}

func (s ClickHouseStats) users(ctx context.Context, st *fechatter.Stats, table string, ws int64, from, to time.Time) error {
	rows, err := s.CH.conn.Query(ctx, s.CH.sql("SELECT t, uniqIfMerge(users) FROM {db}."+table+window+" GROUP BY t"), uint64(ws), from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var n uint64
		if err := rows.Scan(&t, &n); err != nil {
			return err
		}
		add(st.Series["active_users"], t.UTC(), float64(n))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var n uint64
	if err := s.CH.conn.QueryRow(ctx, s.CH.sql("SELECT uniqIfMerge(users) FROM {db}.events_hourly"+window), uint64(ws), from, to).Scan(&n); err != nil {
		return err
	}
	st.Totals["active_users"] = float64(n)
	return nil
}

func (s ClickHouseStats) latency(ctx context.Context, st *fechatter.Stats, table string, ws int64, from, to time.Time) error {
	rows, err := s.CH.conn.Query(ctx, s.CH.sql("SELECT t, quantilesMerge(0.5, 0.99)(duration) FROM {db}."+table+window+
		" AND kind = 'message_sent' GROUP BY t"), uint64(ws), from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var qs []float64
		if err := rows.Scan(&t, &qs); err != nil {
			return err
		}
		if len(qs) == 2 {
			add(st.Series["send_ack_p50_ms"], t.UTC(), qs[0])
			add(st.Series["send_ack_p99_ms"], t.UTC(), qs[1])
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var sent uint64
	var qs []float64
	err = s.CH.conn.QueryRow(ctx, s.CH.sql("SELECT sum(events), quantilesMerge(0.5, 0.99)(duration) FROM {db}.events_hourly"+window+
		" AND kind = 'message_sent'"), uint64(ws), from, to).Scan(&sent, &qs)
	if err != nil {
		return err
	}
	if sent > 0 && len(qs) == 2 {
		st.SendAckP99Ms = &qs[1]
	}
	return nil
}

// breakdowns counts errors by code (rollup) and client errors by page (the events).
func (s ClickHouseStats) breakdowns(ctx context.Context, st *fechatter.Stats, ws int64, from, to time.Time) error {
	st.ErrorsByCode, st.ClientErrors = map[string]int64{}, map[string]int64{}
	queries := []struct {
		sql string
		out map[string]int64
	}{
		{"SELECT code, sum(events) FROM {db}.events_hourly" + window + " AND kind = 'error' GROUP BY code", st.ErrorsByCode},
		{"SELECT page, uniqExact(event_id) FROM {db}.events WHERE workspace_id = ? AND at >= ? AND at < ? AND kind = 'client_error' GROUP BY page", st.ClientErrors},
	}
	for _, q := range queries {
		rows, err := s.CH.conn.Query(ctx, s.CH.sql(q.sql), uint64(ws), from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			var n uint64
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return err
			}
			q.out[k] = int64(n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (s ClickHouseStats) top(ctx context.Context, st *fechatter.Stats, q fechatter.StatsQuery, from time.Time) error {
	rows, err := s.CH.conn.Query(ctx, s.CH.sql("SELECT chat_id, sum(messages) FROM {db}.chat_hourly"+window+
		" GROUP BY chat_id"), uint64(q.WorkspaceID), from, q.To)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := map[int64]int64{}
	for rows.Next() {
		var id, n uint64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		counts[int64(id)] = int64(n)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	st.TopChats, err = topChats(ctx, s.Chats, counts, q.TopChats)
	return err
}
