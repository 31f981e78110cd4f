package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/fanout"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/nats-io/nats.go"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a Handler that keeps what it gets.
type recorder struct {
	mu    sync.Mutex
	chats map[int64][]int64 // chat → seqs in arrival order
	skips map[int64][]int64 // chat → skip of ephemeral events
	users []fechatter.UserEvent
}

func newRecorder() *recorder {
	return &recorder{chats: map[int64][]int64{}, skips: map[int64][]int64{}}
}

func (r *recorder) HandleChat(chatID, seq, skip int64, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq == 0 {
		r.skips[chatID] = append(r.skips[chatID], skip)
		return
	}
	if string(data) != fmt.Sprintf("ev %d/%d", chatID, seq) {
		panic("data does not match its seq: " + string(data))
	}
	r.chats[chatID] = append(r.chats[chatID], seq)
}

func (r *recorder) HandleUser(userID int64, e fechatter.UserEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, e)
}

func (r *recorder) seqs(chat int64) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.chats[chat]...)
}

// embedded starts the in-process NATS server and a bridge on it, closed at the end.
func embedded(t *testing.T, h fanout.Handler) *fanout.Bridge {
	t.Helper()
	e, err := fanout.StartEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := e.Connect()
	if err != nil {
		e.Shutdown()
		t.Fatal(err)
	}
	b := fanout.New(nc, fanout.Options{Prefix: ft.UniquePrefix(), Workers: 4})
	b.Start(h)
	t.Cleanup(func() { nc.Close(); b.Close(); e.Shutdown() })
	return b
}

// Timeline events of many chats, published concurrently per chat, arrive complete and in
// publish order per chat; ephemeral events carry their skip; user events their fields.
func TestBridgeRoundTripInOrderPerChat(t *testing.T) {
	rec := newRecorder()
	b := embedded(t, rec)
	const chats, perChat = 8, 500
	for c := int64(1); c <= chats; c++ {
		if _, err := b.SubscribeChat(c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.SubscribeUser(42); err != nil {
		t.Fatal(err)
	}
	flush(t, b)
	var wg sync.WaitGroup
	for c := int64(1); c <= chats; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := int64(1); s <= perChat; s++ {
				if err := b.PublishChat(c, s, fmt.Appendf(nil, "ev %d/%d", c, s)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := b.PublishEphemeral(3, 7, []byte(`{"type":"typing"}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishUser(42, fechatter.UserEvent{Kind: "chat_joined", ChatID: 9, Seq: 4, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	ft.CheckFor(t, 10*time.Second, "every event delivered", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for c := int64(1); c <= chats; c++ {
			if len(rec.chats[c]) < perChat {
				return false
			}
		}
		return len(rec.skips[3]) == 1 && len(rec.users) == 1
	})
	for c := int64(1); c <= chats; c++ {
		for i, s := range rec.seqs(c) {
			if s != int64(i+1) {
				t.Fatalf("chat %d: position %d has seq %d", c, i, s)
			}
		}
	}
	if rec.skips[3][0] != 7 {
		t.Fatalf("skip = %d, want 7", rec.skips[3][0])
	}
	if u := rec.users[0]; u.Kind != "chat_joined" || u.ChatID != 9 || u.Seq != 4 || string(u.Data) != "x" {
		t.Fatalf("user event = %+v", u)
	}
}

// After Unsubscribe nothing more arrives for that chat.
func TestBridgeUnsubscribeStopsDelivery(t *testing.T) {
	rec := newRecorder()
	b := embedded(t, rec)
	unsubscribe, err := b.SubscribeChat(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.SubscribeChat(2); err != nil {
		t.Fatal(err)
	}
	flush(t, b)
	_ = b.PublishChat(1, 1, []byte("ev 1/1"))
	ft.CheckFor(t, 5*time.Second, "the first event", func() bool { return len(rec.seqs(1)) == 1 })
	unsubscribe()
	_ = b.PublishChat(1, 2, []byte("ev 1/2"))
	_ = b.PublishChat(2, 1, []byte("ev 2/1")) // published after: once it is here, chat 1's would be too
	ft.CheckFor(t, 5*time.Second, "the other chat's event", func() bool { return len(rec.seqs(2)) == 1 })
	if got := rec.seqs(1); len(got) != 1 {
		t.Fatalf("chat 1 got %v after unsubscribing", got)
	}
}

// A disconnected bridge refuses to publish (the store keeps the event for replay) and says so
// in Ready; once reconnected it publishes again.
func TestBridgeDisconnectAndReconnect(t *testing.T) {
	ns := ft.StartNATSServer(t)
	nc, err := natsConnect(ns.URL)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	b := fanout.New(nc, fanout.Options{Prefix: ft.UniquePrefix()})
	b.Start(rec)
	defer func() { nc.Close(); b.Close() }()
	if _, err := b.SubscribeChat(1); err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(); err != nil {
		t.Fatal(err)
	}
	ns.Stop()
	ft.CheckFor(t, 5*time.Second, "the bridge to see NATS gone", func() bool { return b.Ready() != nil })
	if err := b.PublishChat(1, 1, []byte("ev 1/1")); !errors.Is(err, fanout.ErrDisconnected) {
		t.Fatalf("publish while down = %v, want ErrDisconnected", err)
	}
	ns.Start()
	ft.CheckFor(t, 10*time.Second, "the bridge to reconnect", func() bool { return b.Ready() == nil })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Flush(ctx); err != nil { // the subscription is restored before this returns
		t.Fatal(err)
	}
	if err := b.PublishChat(1, 2, []byte("ev 1/2")); err != nil {
		t.Fatal(err)
	}
	ft.CheckFor(t, 5*time.Second, "the event after reconnecting", func() bool { return len(rec.seqs(1)) == 1 })
}

// Close stops the delivery goroutines (the leak check in TestMain holds it to that).
func TestBridgeCloseStopsWorkers(t *testing.T) {
	b := embedded(t, newRecorder())
	if _, err := b.SubscribeChat(1); err != nil {
		t.Fatal(err)
	}
}

func natsConnect(url string) (*nats.Conn, error) {
	return nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond), nats.ReconnectBufSize(-1))
}

func flush(t *testing.T, b *fanout.Bridge) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}
