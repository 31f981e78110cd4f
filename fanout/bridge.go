package fanout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/nats-io/nats.go"
)

// Handler receives what the bridge takes off NATS; *hub.Hub is one. For one chat, HandleChat
// calls come in publish order from one goroutine; different chats run in parallel. Handlers
// must not block: they queue bytes to connections and return.
type Handler interface {
	// HandleChat gets a chat event: seq > 0 for a timeline event, 0 for an ephemeral one that
	// the connections of user skip (when not 0) must not get.
	HandleChat(chatID, seq, skip int64, data []byte)
	HandleUser(userID int64, e fechatter.UserEvent)
}

// Options configures a Bridge.
type Options struct {
	Logger *slog.Logger
	// Workers is the number of delivery goroutines; chats are spread over them by ID.
	// Default 64.
	Workers int
	// Buffer is each worker's queue length. When it overflows NATS drops the message and the
	// hub's gap detection recovers it from the store. Default 8192.
	Buffer int
	// Prefix starts every subject (default DefaultPrefix).
	Prefix string
}

// Bridge publishes events to NATS and delivers subscribed subjects to a Handler.
type Bridge struct {
	nc      *nats.Conn
	subj    Subjects
	log     *slog.Logger
	handler Handler
	workers []chan *nats.Msg
	wg      sync.WaitGroup
	stop    chan struct{}

	lagMu sync.Mutex
	lag   time.Duration // the largest publish→dispatch delay seen in the last lagWindow
	lagAt time.Time
}

// lagWindow is how long a lag reading counts.
const lagWindow = time.Second

// New returns a bridge over nc. Call Start with a handler before subscribing.
func New(nc *nats.Conn, opts Options) *Bridge {
	if opts.Workers <= 0 {
		opts.Workers = 64
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 8192
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bridge{nc: nc, subj: NewSubjects(opts.Prefix), log: opts.Logger, stop: make(chan struct{})}
	b.workers = make([]chan *nats.Msg, opts.Workers)
	for i := range b.workers {
		b.workers[i] = make(chan *nats.Msg, opts.Buffer)
	}
	return b
}

// Start begins delivering to h. It must be called once, before any Subscribe.
func (b *Bridge) Start(h Handler) {
	b.handler = h
	for _, ch := range b.workers {
		b.wg.Add(1)
		go b.work(ch)
	}
}

// Close stops the delivery goroutines. The NATS connection belongs to the caller.
func (b *Bridge) Close() {
	close(b.stop)
	b.wg.Wait()
}

func (b *Bridge) work(ch chan *nats.Msg) {
	defer b.wg.Done()
	for {
		select {
		case <-b.stop:
			return
		case m := <-ch:
			b.dispatch(m)
		}
	}
}

func (b *Bridge) dispatch(m *nats.Msg) {
	if ts, err := strconv.ParseInt(m.Header.Get(hdrTime), 10, 64); err == nil {
		b.noteLag(time.Since(time.UnixMicro(ts)))
	}
	seq, _ := strconv.ParseInt(m.Header.Get(hdrSeq), 10, 64)
	if id, ok := parseID(m.Subject, b.subj.chat); ok {
		skip, _ := strconv.ParseInt(m.Header.Get(hdrSkip), 10, 64)
		b.handler.HandleChat(id, seq, skip, m.Data)
		return
	}
	if id, ok := parseID(m.Subject, b.subj.user); ok {
		chatID, _ := strconv.ParseInt(m.Header.Get(hdrChat), 10, 64)
		b.handler.HandleUser(id, fechatter.UserEvent{Kind: m.Header.Get(hdrKind), ChatID: chatID, Seq: seq, Data: m.Data})
		return
	}
	b.log.Warn("fanout: message on unexpected subject", "subject", m.Subject)
}

func (b *Bridge) worker(id int64) chan *nats.Msg {
	return b.workers[uint64(id)%uint64(len(b.workers))]
}

// SubscribeChat starts delivering the chat's events. The caller keeps the returned func and
// calls it, once, when its last local member leaves.
func (b *Bridge) SubscribeChat(chatID int64) (unsubscribe func(), err error) {
	return b.subscribe(b.subj.Chat(chatID), b.worker(chatID))
}

// SubscribeUser starts delivering events addressed to the user, until the returned func is
// called.
func (b *Bridge) SubscribeUser(userID int64) (unsubscribe func(), err error) {
	return b.subscribe(b.subj.User(userID), b.worker(userID))
}

func (b *Bridge) subscribe(subject string, ch chan *nats.Msg) (func(), error) {
	sub, err := b.nc.ChanSubscribe(subject, ch)
	if err != nil {
		return nil, fmt.Errorf("fanout: subscribe %s: %w", subject, err)
	}
	return func() {
		// A closed connection (or subscription) has dropped it already.
		if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
			b.log.Warn("fanout: unsubscribe", "subject", subject, "err", err)
		}
	}, nil
}

// PublishChat sends data, a timeline event encoded for clients, to every node with members
// of the chat.
func (b *Bridge) PublishChat(chatID, seq int64, data []byte) error {
	m := &nats.Msg{Subject: b.subj.Chat(chatID), Data: data, Header: nats.Header{}}
	m.Header.Set(hdrSeq, strconv.FormatInt(seq, 10))
	m.Header.Set(hdrTime, strconv.FormatInt(time.Now().UnixMicro(), 10))
	return b.publish(m)
}

// PublishEphemeral sends an event that is never stored or replayed (typing, read, presence)
// to the chat's members, except the connections of user skip when it is not 0.
func (b *Bridge) PublishEphemeral(chatID, skip int64, data []byte) error {
	m := &nats.Msg{Subject: b.subj.Chat(chatID), Data: data}
	if skip != 0 {
		m.Header = nats.Header{hdrSkip: []string{strconv.FormatInt(skip, 10)}}
	}
	return b.publish(m)
}

// PublishUser sends an event to every connection of the user, on any node.
func (b *Bridge) PublishUser(userID int64, e fechatter.UserEvent) error {
	m := &nats.Msg{Subject: b.subj.User(userID), Data: e.Data, Header: nats.Header{}}
	m.Header.Set(hdrKind, e.Kind)
	m.Header.Set(hdrChat, strconv.FormatInt(e.ChatID, 10))
	m.Header.Set(hdrSeq, strconv.FormatInt(e.Seq, 10))
	return b.publish(m)
}

func (b *Bridge) publish(m *nats.Msg) error {
	if !b.nc.IsConnected() {
		// Publishing while disconnected would only fill the reconnect buffer; the store holds
		// the event and clients recover it on resume.
		return ErrDisconnected
	}
	if err := b.nc.PublishMsg(m); err != nil {
		return fmt.Errorf("fanout: publish %s: %w", m.Subject, err)
	}
	return nil
}

// ErrDisconnected reports that NATS is unreachable right now.
var ErrDisconnected = errors.New("fanout: nats disconnected")

// Flush waits until the server has processed everything sent so far, so subscriptions made
// before it are in effect.
func (b *Bridge) Flush(ctx context.Context) error {
	return b.nc.FlushWithContext(ctx)
}

// Ready reports whether the NATS connection is up (for /readyz).
func (b *Bridge) Ready() error {
	if b.nc.IsConnected() {
		return nil
	}
	return fmt.Errorf("nats: %s", b.nc.Status())
}

// noteLag records how long a timeline event took from its publish (on any node; clocks are
// assumed in step to well under a second) to its dispatch here.
func (b *Bridge) noteLag(d time.Duration) {
	d = max(d, 0)
	now := time.Now()
	b.lagMu.Lock()
	defer b.lagMu.Unlock()
	if d >= b.lag || now.Sub(b.lagAt) > lagWindow {
		b.lag, b.lagAt = d, now
	}
}

// Lag is how late this node delivers what NATS brings: the largest publish→dispatch delay of a
// timeline event in the last second (0 when none arrived). The hub refuses sends while it is
// over budget.
func (b *Bridge) Lag() time.Duration {
	b.lagMu.Lock()
	defer b.lagMu.Unlock()
	if time.Since(b.lagAt) > lagWindow {
		return 0
	}
	return b.lag
}

// Backlog is the number of messages taken off NATS and waiting for a delivery worker, and
// their room: past it NATS drops messages for this node (a slow consumer), which the hub
// recovers from the store.
func (b *Bridge) Backlog() (queued, capacity int) {
	for _, ch := range b.workers {
		queued += len(ch)
		capacity += cap(ch)
	}
	return queued, capacity
}

// Subjects is the bridge's subject layout.
func (b *Bridge) Subjects() Subjects { return b.subj }
