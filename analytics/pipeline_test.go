package analytics_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/analytics"
	"github.com/fechatter/fechatter/fanout"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func embeddedNATS(t testing.TB) *nats.Conn {
	t.Helper()
	e, err := fanout.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Shutdown)
	nc, err := e.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// startWithClickHouse starts a node that sends its usage events to the ClickHouse at url,
// flushing every 100ms, and opens that ClickHouse for the test's queries.
func startWithClickHouse(t *testing.T, url string) (*ft.Server, *analytics.ClickHouse) {
	t.Helper()
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.ClickHouseURL = url
		c.AnalyticsFlush = 100 * time.Millisecond
	}})
	ch, err := analytics.OpenClickHouse(t.Context(), url, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return s, ch
}

func randomName() string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// gathered returns the value of a counter or gauge in reg (summed over its labels).
func gathered(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return v
}

// A batch whose ack was lost is delivered again; the consumer finds its events stored and
// skips them, so the table and the rollups count each event once.
func TestLostAckNotCountedTwice(t *testing.T) {
	nc := embeddedNATS(t)
	ch := openClickHouse(t)
	reg := prometheus.NewRegistry()
	m := analytics.NewMetrics(reg)
	stream, subject := "USAGE_"+randomName(), "t"+randomName()+".usage"
	if err := analytics.EnsureStream(t.Context(), nc, analytics.StreamConfig{Name: stream, Subject: subject}); err != nil {
		t.Fatal(err)
	}
	em, err := analytics.NewEmitter(analytics.EmitterConfig{NATS: nc, Subject: subject, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := range n {
		em.Track(fechatter.UsageEvent{Kind: fechatter.UsageMessageSent, WorkspaceID: 1, UserID: int64(1 + i%5), ChatID: 3, Size: 10})
	}
	em.Close()
	var acks atomic.Int32
	cons, err := analytics.StartConsumer(t.Context(), analytics.ConsumerConfig{
		NATS: nc, Stream: stream, Sink: ch, Metrics: m, MaxWait: 100 * time.Millisecond, AckWait: time.Second,
		Ack: func(msgs []jetstream.Msg) error {
			if acks.Add(1) == 1 {
				return nil // the ack is lost: the batch comes back after AckWait
			}
			for _, msg := range msgs {
				if err := msg.Ack(); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	ft.CheckFor(t, 30*time.Second, fmt.Sprintf("%d duplicates skipped", n), func() bool {
		return gathered(t, reg, "fechatter_analytics_duplicates_total") >= n
	})
	if got := count(t, ch, "SELECT count() FROM %s.events"); got != n {
		t.Fatalf("events = %d, want %d", got, n)
	}
	if got := count(t, ch, "SELECT sum(events) FROM %s.events_hourly"); got != n {
		t.Fatalf("hourly rollup = %d, want %d", got, n)
	}
	if got := count(t, ch, "SELECT sum(messages) FROM %s.chat_hourly"); got != n {
		t.Fatalf("chat rollup = %d, want %d", got, n)
	}
	if got := gathered(t, reg, "fechatter_analytics_inserted_total"); got != n {
		t.Fatalf("inserted_total = %v, want %d", got, n)
	}
}

// Under overload Track drops and counts instead of waiting: everything tracked is either in
// the stream or counted as dropped.
func TestEmitterDropsUnderOverload(t *testing.T) {
	nc := embeddedNATS(t)
	reg := prometheus.NewRegistry()
	m := analytics.NewMetrics(reg)
	stream, subject := "USAGE_"+randomName(), "t"+randomName()+".usage"
	if err := analytics.EnsureStream(t.Context(), nc, analytics.StreamConfig{Name: stream, Subject: subject}); err != nil {
		t.Fatal(err)
	}
	em, err := analytics.NewEmitter(analytics.EmitterConfig{NATS: nc, Subject: subject, Metrics: m, Buffer: 16})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	start := time.Now()
	for range n {
		em.Track(fechatter.UsageEvent{Kind: fechatter.UsageSearch, WorkspaceID: 1, UserID: 1, Count: 3})
	}
	took := time.Since(start)
	em.Close()
	dropped := gathered(t, reg, "fechatter_analytics_dropped_total")
	failed := gathered(t, reg, "fechatter_analytics_publish_failures_total")
	if dropped == 0 {
		t.Fatalf("nothing dropped from a 16-event buffer under %d events", n)
	}
	if took > 2*time.Second {
		t.Fatalf("tracking %d events took %v: Track waited", n, took)
	}
	js, _ := jetstream.New(nc)
	info, err := js.Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if got := float64(info.CachedInfo().State.Msgs); got+dropped+failed != n {
		t.Fatalf("stream %v + dropped %v + failed %v != tracked %d", got, dropped, failed, n)
	}
	if got := gathered(t, reg, "fechatter_usage_events_total"); got != n {
		t.Fatalf("usage_events_total = %v, want %d", got, n)
	}
}

// nodeMetric reads a metric of a node's /metrics, summed over its labels.
func nodeMetric(t *testing.T, s *ft.Server, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
			f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err == nil {
				v += f
			}
		}
	}
	return v
}

// A scripted run of user actions with ClickHouse stopped in the middle: the events of the
// outage wait in the stream and arrive afterwards, every one exactly once, in the table and
// in the rollups.
func TestClickHouseRestartLosesNothing(t *testing.T) {
	chs := ft.StartClickHouse(t)
	url := ft.ClickHouseURLAt(t, chs.Addr)
	s, ch := startWithClickHouse(t, url)
	ws := "restart-" + randomName()
	ann := s.Signup(t, "ann-"+randomName()+"@example.com", ws)
	ben := s.Signup(t, "ben-"+randomName()+"@example.com", ws)
	chat := s.CreateChat(t, ann, fechatter.ChatGroup, "ops", ben.User.ID)
	conn := s.Dial(t, ann.AccessToken)
	conn.Ready()
	sends := 0
	send := func() {
		t.Helper()
		sends++
		ref := strconv.Itoa(sends)
		conn.Send(map[string]any{"type": "send", "ref": ref, "chat_id": chat.ID, "client_id": uuid(), "text": "hello " + ref})
		conn.WaitFor(10*time.Second, func(e ft.Event) bool { return e.Type == "ack" && string(e.Ref) == `"`+ref+`"` })
	}
	// settled waits until ClickHouse holds every event the node tracked.
	settled := func() uint64 {
		t.Helper()
		var rows uint64
		ft.CheckFor(t, 60*time.Second, "clickhouse to hold every event the node tracked", func() bool {
			tracked := nodeMetric(t, s, "fechatter_usage_events_total")
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			err := ch.Conn().QueryRow(ctx, "SELECT count() FROM "+ch.Database()+".events").Scan(&rows)
			return err == nil && float64(rows) == tracked
		})
		return rows
	}
	for range 5 {
		send()
	}
	s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": ben.User.Email, "password": "wrong password!"}, nil)
	settled()

	chs.Stop()
	for range 5 {
		send()
	}
	s.Login(t, ben.User.Email)
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/search?q=hello", ann.AccessToken, nil, nil)
	s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), ben.AccessToken,
		map[string]any{"client_id": uuid(), "text": "over rest"}, nil)
	sends++
	ft.CheckFor(t, 30*time.Second, "the consumer to meet the outage", func() bool {
		return nodeMetric(t, s, "fechatter_analytics_insert_failures_total") > 0
	})
	chs.Start()
	rows := settled()

	if got := count(t, ch, "SELECT uniqExact(event_id) FROM %s.events"); got != rows {
		t.Fatalf("%d rows but %d distinct events: duplicates", rows, got)
	}
	// An insert commits the table's part before its views' parts: the rollups catch up
	// within the insert.
	ft.CheckFor(t, 10*time.Second, fmt.Sprintf("events_hourly and events_daily to count %d events", rows), func() bool {
		for _, table := range []string{"events_hourly", "events_daily"} {
			if count(t, ch, "SELECT sum(events) FROM %s."+table) != rows {
				return false
			}
		}
		return true
	})
	for kind, want := range map[fechatter.UsageKind]uint64{
		fechatter.UsageMessageSent: uint64(sends), fechatter.UsageLogin: 1, fechatter.UsageLoginFailed: 1,
		fechatter.UsageSignup: 2, fechatter.UsageChatCreated: 1, fechatter.UsageSearch: 1, fechatter.UsageConnected: 1,
	} {
		if got := count(t, ch, "SELECT count() FROM %s.events WHERE kind = ?", string(kind)); got != want {
			t.Errorf("%s: %d events, want %d", kind, got, want)
		}
	}
	if got := count(t, ch, "SELECT count() FROM %s.events WHERE kind = 'message_sent' AND size = 0"); got != 0 {
		t.Errorf("%d message_sent events without their size", got)
	}
}
