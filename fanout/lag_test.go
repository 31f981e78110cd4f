package fanout_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/fechatter/fechatter/fanout"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/nats-io/nats.go"
)

// gate is a Handler whose HandleChat waits until released, like a delivery worker behind.
type gate struct {
	*recorder
	open chan struct{}
}

func (g gate) HandleChat(chatID, seq, skip int64, data []byte) {
	<-g.open
	g.recorder.HandleChat(chatID, seq, skip, data)
}

// Lag reports how late timeline events are dispatched (publish time to dispatch, from the
// event's header, so any node's publish counts), for a second; Backlog how full the delivery
// queues are.
func TestBridgeReportsLagAndBacklog(t *testing.T) {
	e, err := fanout.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := e.Connect()
	if err != nil {
		e.Shutdown()
		t.Fatal(err)
	}
	g := gate{newRecorder(), make(chan struct{})}
	prefix := ft.UniquePrefix()
	b := fanout.New(nc, fanout.Options{Prefix: prefix, Workers: 1, Buffer: 16})
	b.Start(g)
	t.Cleanup(func() { nc.Close(); b.Close(); e.Shutdown() })
	if _, err := b.SubscribeChat(1); err != nil {
		t.Fatal(err)
	}
	flush(t, b)
	if b.Lag() != 0 {
		t.Fatalf("lag before any event = %v", b.Lag())
	}
	// held: one event in the handler, three waiting
	for s := int64(1); s <= 4; s++ {
		if err := b.PublishChat(1, s, []byte("ev 1/"+strconv.FormatInt(s, 10))); err != nil {
			t.Fatal(err)
		}
	}
	ft.CheckFor(t, 5*time.Second, "three events queued behind the held one", func() bool {
		q, c := b.Backlog()
		return q == 3 && c == 16
	})
	close(g.open)
	ft.CheckFor(t, 5*time.Second, "the events delivered", func() bool { return len(g.seqs(1)) == 4 })

	// an event published (by another node) two seconds ago is two seconds late
	m := &nats.Msg{Subject: b.Subjects().Chat(1), Data: []byte("ev 1/5"), Header: nats.Header{}}
	m.Header.Set("Fc-Seq", "5")
	m.Header.Set("Fc-Time", strconv.FormatInt(time.Now().Add(-2*time.Second).UnixMicro(), 10))
	if err := nc.PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	ft.CheckFor(t, 5*time.Second, "the late event", func() bool { return len(g.seqs(1)) == 5 })
	if lag := b.Lag(); lag < 2*time.Second || lag > 4*time.Second {
		t.Fatalf("lag = %v, want about 2s", lag)
	}
	ft.CheckFor(t, 5*time.Second, "the reading to expire", func() bool { return b.Lag() == 0 })
}
