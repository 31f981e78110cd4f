package analytics

import (
	"context"
	"slices"
	"time"

	"github.com/fechatter/fechatter"
)

// Stats modes.
const (
	ModeReduced    = "reduced"
	ModeClickHouse = "clickhouse"
)

// Node is what the stats read from this node: its open sockets and its send→ack latency.
type Node interface {
	Connections() int
	// SendAckQuantile estimates a quantile of send→ack in seconds since the node started;
	// false when nothing was sent.
	SendAckQuantile(q float64) (float64, bool)
}

// Chats names the top chats; fechatter.Store implements it.
type Chats interface {
	Chat(ctx context.Context, id int64) (fechatter.Chat, error)
}

// ActivityStore is the store's part of the reduced mode; fechatter.Store implements it.
type ActivityStore interface {
	Chats
	MessageActivity(ctx context.Context, workspaceID int64, from, to time.Time) ([]fechatter.ActivityRow, error)
}

// Reduced answers the admin stats from the store and this node, without ClickHouse: active
// users are the people who sent a message in a bucket, messages are the messages stored,
// connections and send→ack latency are this node's (the latter since it started).
type Reduced struct {
	Store ActivityStore
	Node  Node
}

// Stats implements the admin stats.
func (r Reduced) Stats(ctx context.Context, q fechatter.StatsQuery) (fechatter.Stats, error) {
	rows, err := r.Store.MessageActivity(ctx, q.WorkspaceID, q.From, q.To)
	if err != nil {
		return fechatter.Stats{}, err
	}
	st := newStats(ModeReduced, q)
	step := q.Interval.Duration()
	users := map[time.Time]map[int64]bool{}
	all := map[int64]bool{}
	chats := map[int64]int64{}
	for _, row := range rows {
		b := row.Hour.Truncate(step)
		add(st.Series["messages"], b, float64(row.Messages))
		if users[b] == nil {
			users[b] = map[int64]bool{}
		}
		users[b][row.SenderID] = true
		all[row.SenderID] = true
		chats[row.ChatID] += row.Messages
		st.Totals["messages"] += float64(row.Messages)
	}
	for b, set := range users {
		add(st.Series["active_users"], b, float64(len(set)))
	}
	st.Totals["active_users"] = float64(len(all))
	if st.TopChats, err = topChats(ctx, r.Store, chats, q.TopChats); err != nil {
		return fechatter.Stats{}, err
	}
	nodeStats(&st, r.Node)
	return st, nil
}

// newStats makes the answer with zero-filled "active_users" and "messages" series.
func newStats(mode string, q fechatter.StatsQuery) fechatter.Stats {
	st := fechatter.Stats{Mode: mode, From: q.From, To: q.To, Interval: q.Interval,
		Series: map[string][]fechatter.StatsPoint{}, Totals: map[string]float64{"messages": 0, "active_users": 0},
		TopChats: []fechatter.ChatActivity{}}
	for _, name := range []string{"active_users", "messages"} {
		st.Series[name] = buckets(q)
	}
	return st
}

// buckets returns the zero points of every bucket of the window, oldest first.
func buckets(q fechatter.StatsQuery) []fechatter.StatsPoint {
	step := q.Interval.Duration()
	var pts []fechatter.StatsPoint
	for t := q.From.UTC().Truncate(step); t.Before(q.To); t = t.Add(step) {
		pts = append(pts, fechatter.StatsPoint{T: t})
	}
	return pts
}

// add adds v to the point of bucket b (ignored outside the window).
func add(pts []fechatter.StatsPoint, b time.Time, v float64) {
	if i, ok := slices.BinarySearchFunc(pts, b, func(p fechatter.StatsPoint, t time.Time) int { return p.T.Compare(t) }); ok {
		pts[i].V += v
	}
}

// topChats orders chats by messages (then id) and names the first n.
func topChats(ctx context.Context, store Chats, counts map[int64]int64, n int) ([]fechatter.ChatActivity, error) {
	if n <= 0 {
		n = 10
	}
	out := []fechatter.ChatActivity{}
	for id, c := range counts {
		out = append(out, fechatter.ChatActivity{ChatID: id, Messages: c})
	}
	slices.SortFunc(out, func(a, b fechatter.ChatActivity) int {
		if a.Messages != b.Messages {
			return int(b.Messages - a.Messages)
		}
		return int(a.ChatID - b.ChatID)
	})
	if len(out) > n {
		out = out[:n]
	}
	for i := range out {
		chat, err := store.Chat(ctx, out[i].ChatID)
		if fechatter.ErrorCode(err) == fechatter.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i].Name, out[i].Kind = chat.Name, string(chat.Kind)
	}
	return out, nil
}

// nodeStats fills what only this node knows: its connections and, when no better source
// set it, its send→ack p99.
func nodeStats(st *fechatter.Stats, n Node) {
	if n == nil {
		return
	}
	st.ConnectionsNow = int64(n.Connections())
	if st.SendAckP99Ms == nil {
		if v, ok := n.SendAckQuantile(0.99); ok {
			ms := v * 1000
			st.SendAckP99Ms = &ms
		}
	}
}
