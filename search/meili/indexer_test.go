package meili_test

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/fanout"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/fechatter/fechatter/store/sqlite"
)

func embeddedNATS(t *testing.T) *nats.Conn {
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

func externalNATS(t *testing.T) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(ft.NATSURL(), nats.Timeout(3*time.Second))
	if err != nil {
		ft.Unavailable(t, "NATS at "+ft.NATSURL(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// The indexer's restart, outage and edit/delete behaviour, on the embedded and the external
// NATS, against the stand-in and the real Meilisearch.
func TestIndexerEmbedded(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) { testIndexer(t, embeddedNATS(t), e) })
}

func TestIndexerExternal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *engine) { testIndexer(t, externalNATS(t), e) })
}

// rig is a store, an index and an indexer on a stream of its own.
type rig struct {
	t       *testing.T
	nc      *nats.Conn
	db      *sqlite.DB
	e       *engine
	uid     string
	ix      *meili.Index
	cfg     meili.IndexerConfig
	prefix  string
	user    fechatter.User
	chat    fechatter.Chat
	clients int
}

func newRig(t *testing.T, nc *nats.Conn, e *engine) *rig {
	b := make([]byte, 6)
	rand.Read(b)
	id := hex.EncodeToString(b)
	db := openStore(t)
	ix, uid := e.open(t)
	r := &rig{t: t, nc: nc, db: db, e: e, uid: uid, ix: ix, prefix: "test" + id + ".chat."}
	r.cfg = meili.IndexerConfig{NATS: nc, Store: db, Index: ix, Stream: "SEARCH_TEST_" + id,
		Subjects: []string{r.prefix + ">"}, Durable: "indexer", MaxWait: 100 * time.Millisecond,
		Backoff: 200 * time.Millisecond, MaxAge: time.Hour, MaxBytes: 64 << 20}
	t.Cleanup(func() {
		js, err := jetstream.New(nc)
		if err == nil {
			_ = js.DeleteStream(t.Context(), r.cfg.Stream)
		}
	})
	ctx := t.Context()
	var err error
	if r.user, err = db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", Fullname: "A", Workspace: "W"}); err != nil {
		t.Fatal(err)
	}
	r.chat, _, err = db.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: r.user.WorkspaceID, CreatorID: r.user.ID, Kind: fechatter.ChatGroup})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) start() *meili.Indexer {
	r.t.Helper()
	ix, err := meili.StartIndexer(r.t.Context(), r.cfg)
	if err != nil {
		r.t.Fatalf("StartIndexer: %v", err)
	}
	r.t.Cleanup(ix.Close)
	return ix
}

// publish announces a timeline event as the hub does: chat subject, Fc-Seq header.
func (r *rig) publish(ev fechatter.Event) {
	r.t.Helper()
	m := &nats.Msg{Subject: r.prefix + strconv.FormatInt(ev.ChatID, 10), Header: nats.Header{}, Data: []byte(`{}`)}
	m.Header.Set("Fc-Seq", strconv.FormatInt(ev.Seq, 10))
	if err := r.nc.PublishMsg(m); err != nil {
		r.t.Fatal(err)
	}
	if err := r.nc.Flush(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) send(text string) fechatter.Message {
	r.t.Helper()
	r.clients++
	ev, _, err := r.db.Send(r.t.Context(), fechatter.SendParams{ChatID: r.chat.ID, SenderID: r.user.ID,
		ClientID: "c" + strconv.Itoa(r.clients), Text: text})
	if err != nil {
		r.t.Fatal(err)
	}
	r.publish(ev)
	return ev.Message
}

func (r *rig) text(id int64) (string, bool) { return r.e.text(r.t, r.uid, id) }

// fileNames returns the file_names of document id ("" when it is not there).
func (r *rig) fileNames(id int64) string {
	var d struct {
		FileNames string `json:"file_names"`
	}
	if err := r.e.client.Index(r.uid).GetDocument(r.t.Context(), strconv.FormatInt(id, 10), nil, &d); err != nil {
		return ""
	}
	return d.FileNames
}

func (r *rig) waitText(id int64, want string) {
	r.t.Helper()
	ft.CheckFor(r.t, 15*time.Second, "document "+strconv.FormatInt(id, 10)+" = "+want, func() bool {
		got, ok := r.text(id)
		return ok && got == want
	})
}

func testIndexer(t *testing.T, nc *nats.Conn, e *engine) {
	r := newRig(t, nc, e)
	reg := prometheus.NewRegistry()
	r.cfg.Metrics = meili.NewMetrics(reg)
	ix := r.start()
	ctx := t.Context()

	m1 := r.send("first message")
	r.waitText(m1.ID, "first message")
	// A typing event (no seq) on the same subject is skipped.
	if err := nc.Publish(r.prefix+strconv.FormatInt(r.chat.ID, 10), []byte(`{"type":"typing"}`)); err != nil {
		t.Fatal(err)
	}
	ev, err := r.db.Edit(ctx, fechatter.EditParams{ChatID: r.chat.ID, MessageID: m1.ID, EditorID: r.user.ID, Text: "first, edited"})
	if err != nil {
		t.Fatal(err)
	}
	r.publish(ev)
	r.waitText(m1.ID, "first, edited")

	// A message's file names reach the index with it, and are searched.
	file, err := r.db.CreateFile(ctx, fechatter.File{ChatID: r.chat.ID, UploaderID: r.user.ID, Name: "minutes-march.pdf",
		Size: 3, ContentType: "application/pdf", SHA256: strings.Repeat("ab", 32)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err = r.db.Send(ctx, fechatter.SendParams{ChatID: r.chat.ID, SenderID: r.user.ID, ClientID: "with-file", Text: "see attached", FileIDs: []int64{file.ID}})
	if err != nil {
		t.Fatal(err)
	}
	r.publish(ev)
	ft.CheckFor(t, 30*time.Second, "the file name indexed", func() bool { return r.fileNames(ev.Message.ID) == "minutes-march.pdf" })
	hits, err := r.ix.SearchMessages(ctx, fechatter.MessageSearch{ChatIDs: []int64{r.chat.ID}, Limit: 10,
		Text: fechatter.TextQuery{Words: []string{"minutes", "march"}}})
	if err != nil || len(hits) != 1 || hits[0].ID != ev.Message.ID {
		t.Fatalf("search by file name: %v, %v; want message %d", hits, err, ev.Message.ID)
	}

	// Meilisearch down: events wait in the stream and are retried with backoff.
	r.e.fail(1 << 30)
	m2 := r.send("sent while the index is down")
	ev, err = r.db.Delete(ctx, fechatter.DeleteParams{ChatID: r.chat.ID, MessageID: m1.ID, ActorID: r.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	r.publish(ev)
	ft.CheckFor(t, 15*time.Second, "a failed attempt", func() bool {
		return value(t, reg, "fechatter_search_index_failures_total") > 0
	})
	r.e.fail(0)
	r.waitText(m2.ID, "sent while the index is down")
	ft.CheckFor(t, 15*time.Second, "the deleted message to leave the index", func() bool { _, ok := r.text(m1.ID); return !ok })

	// Fechatter restarts: events published while no indexer runs are consumed by the next.
	ix.Close()
	m3 := r.send("sent while the indexer is stopped")
	r.start()
	r.waitText(m3.ID, "sent while the indexer is stopped")
	ft.CheckFor(t, 15*time.Second, "lag back to zero", func() bool {
		return value(t, reg, "fechatter_search_index_lag_events") == 0
	})
}

// value reads the current value of a gauge or counter from reg.
func value(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			m := mf.GetMetric()[0]
			return m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}
