package hub

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/logsum"
)

// Store is what the hub needs from persistence.
type Store interface {
	// UserSession returns the user of a live session; EUnauthorized once it ended.
	UserSession(ctx context.Context, userID int64, session string) (fechatter.User, error)
	ChatsForUser(ctx context.Context, userID int64) ([]fechatter.ChatSummary, error)
	Member(ctx context.Context, chatID, userID int64) (fechatter.Member, error)
	SendBatch(ctx context.Context, ps []fechatter.SendParams) []fechatter.SendResult
	Edit(ctx context.Context, p fechatter.EditParams) (fechatter.Event, error)
	Delete(ctx context.Context, p fechatter.DeleteParams) (fechatter.Event, error)
	React(ctx context.Context, p fechatter.ReactParams) (fechatter.Event, bool, error)
	Pin(ctx context.Context, p fechatter.PinParams) (fechatter.Event, bool, error)
	Events(ctx context.Context, chatID, afterSeq int64, limit int) ([]fechatter.Event, error)
	MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, error)
	ReadsOf(ctx context.Context, chatIDs []int64) (map[int64][]fechatter.ReadPosition, error)
}

// Pusher takes the messages this node commits, for phones whose users are offline; it must
// not block. *push.Hook implements it. Only the committing node calls it, so a cluster pushes
// each message once.
type Pusher interface {
	Message(m fechatter.Message)
}

// Broker carries events between nodes; the NATS bridge (*fanout.Bridge) is the production one
// and hub/hubtest has an in-memory one for tests. It knows nothing of connections: while a
// subscription is held it delivers what arrives to the hub's HandleChat and HandleUser (the
// node attaches the hub to its broker), for one chat in publish order, without blocking.
//
// A publish error means the event did not leave this node; the hub then delivers it to local
// connections itself and, for a timeline event, offers it again until the broker takes it
// (see Recover). Events a broker loses after taking them are found from the store by the
// connections' cursors.
type Broker interface {
	// SubscribeChat starts delivering the chat's events to HandleChat; the hub calls it when
	// the chat's first local member arrives and calls the returned func when the last leaves.
	SubscribeChat(chatID int64) (unsubscribe func(), err error)
	// SubscribeUser is SubscribeChat for events addressed to one user (HandleUser).
	SubscribeUser(userID int64) (unsubscribe func(), err error)
	// PublishChat sends a committed timeline event, data as clients receive it.
	PublishChat(chatID, seq int64, data []byte) error
	// PublishEphemeral sends an event that is never stored (typing, read, presence) to the
	// chat's members, except the connections of user skip when it is not 0.
	PublishEphemeral(chatID, skip int64, data []byte) error
	// PublishUser sends an event to every connection of the user.
	PublishUser(userID int64, e fechatter.UserEvent) error
	// Flush returns once the subscriptions made before it are in effect everywhere.
	Flush(ctx context.Context) error
}

// Authenticator verifies an access token.
type Authenticator interface {
	Authenticate(token string) (Identity, error)
}

// Identity is what a verified access token says: whose it is, of which session, until when.
type Identity struct {
	UserID    int64
	Session   string
	ExpiresAt time.Time
}

// Config configures a Hub. Zero values take the documented defaults.
type Config struct {
	Store    Store
	Broker   Broker
	Auth     Authenticator
	Presence Presence // nil: no presence events
	Logger   *slog.Logger
	Metrics  *Metrics

	// SendLimiter limits each user's sends, over every socket and REST together; nil: no limit.
	SendLimiter SendLimiter
	// Usage takes product analytics events (connections, sends, edits, errors); nil: none.
	Usage Usage
	// Push takes every new message this node committed, for the push hook; nil: none.
	Push Pusher

	AllowedOrigins []string      // extra Origin host patterns for WebSocket handshakes; same-origin always passes
	ReadLimit      int64         // largest client frame in bytes (default 16 KiB); larger closes with 1009
	QueueLimit     int           // bytes queued to one connection before it is closed as slow (default 1 MiB)
	BatchLimit     int           // bytes packed into one outgoing frame (default 64 KiB)
	AuthTimeout    time.Duration // time to send the auth frame (default 10s)
	PingInterval   time.Duration // keepalive ping period (default 25s)
	WriteTimeout   time.Duration // one frame write or ping round trip (default 10s)
	// WriteCoalesce holds the next frame of a connection that wrote one less than this long
	// ago, so the events arriving meanwhile share one write (hub/coalesce.go). Default 25ms;
	// negative: every frame at once.
	WriteCoalesce time.Duration
	MaxReplay     int // events replayed per chat before sending resync (default 1000)
	// ReplayConcurrency bounds the store reads for replays (resume, gap recovery) running at
	// once on the node (default 2): a reconnect storm's replays take turns (hub/replay.go).
	ReplayConcurrency int
	FrameRate         float64       // client frames per second allowed (default 20, burst 2x)
	TypingInterval    time.Duration // least time between relayed typing events per user and chat (default 2s)
	SendWorkers       int           // concurrent send transactions (default 4; 1 suits SQLite's single writer)
	MaxBatch          int           // sends stored in one transaction at most (default 256)
	SendQueue         int           // sends waiting per send worker before more are refused (default 1024)
	// OverloadBudget is how far behind the node may be (scheduler, commit queue, fan-out)
	// before sends and connects are refused with "overloaded" (default 500ms; negative: never).
	OverloadBudget time.Duration
	// ConnectRate and ConnectBurst bound new connections per second on this node; past them a
	// handshake gets HTTP 503 with Retry-After. 0: no bound.
	ConnectRate  float64
	ConnectBurst int
	// PresenceFanout is the largest chat (in members) that gets presence events; members of
	// larger chats ask GET /chats/{id}/presence. Default 100.
	PresenceFanout int
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 16 << 10
	}
	if c.QueueLimit <= 0 {
		c.QueueLimit = 1 << 20
	}
	if c.BatchLimit <= 0 {
		c.BatchLimit = 64 << 10
	}
	if c.AuthTimeout <= 0 {
		c.AuthTimeout = 10 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.WriteCoalesce == 0 {
		c.WriteCoalesce = 25 * time.Millisecond
	}
	if c.MaxReplay <= 0 {
		c.MaxReplay = 1000
	}
	if c.ReplayConcurrency <= 0 {
		c.ReplayConcurrency = 2
	}
	if c.FrameRate <= 0 {
		c.FrameRate = 20
	}
	if c.TypingInterval <= 0 {
		c.TypingInterval = 2 * time.Second
	}
	if c.SendWorkers <= 0 {
		c.SendWorkers = 4
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 256
	}
	if c.PresenceFanout <= 0 {
		c.PresenceFanout = 100
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 1024
	}
	if c.OverloadBudget == 0 {
		c.OverloadBudget = 500 * time.Millisecond
	}
	if c.ConnectBurst <= 0 {
		c.ConnectBurst = int(2 * c.ConnectRate)
	}
}

// Hub holds this node's connections. Create it with New, attach it to its Broker as the
// receiver of what the broker delivers, and serve its WebSocket handler.
type Hub struct {
	cfg   Config
	log   *slog.Logger
	m     *Metrics
	sends *sender
	load  *load
	// coalesce holds busy connections' frames for a moment (nil: off)
	coalesce *coalescer
	rooms    [numShards]shard // chat ID → local connections in the chat
	users    [numShards]shard // user ID → local connections of the user
	unpub    unpublished      // timeline events the broker did not take (see Recover)
	// presenceLog sums up the presence calls that fell back to this node's view: the
	// tracker logs its backend going down and coming back, a line per call would be thousands
	// a second while sockets churn through an outage
	presenceLog logsum.Every
	// onMessage sees each message committed by this node's send path (see OnMessage).
	onMessage atomic.Pointer[func(fechatter.Event)]

	// ctx outlives any one connection; store calls use it so that a send in flight finishes
	// even when its connection goes away.
	ctx    context.Context
	cancel context.CancelFunc

	recoverReq  chan struct{} // a recovery is asked for (see Recover)
	replaySlots chan struct{} // one per replay reading the store (see replayTurn)

	mu       sync.Mutex
	clients  map[*Client]struct{}
	draining bool
	closed   bool           // ctx is cancelled: no new background goroutine starts
	wg       sync.WaitGroup // one per connection handler and the goroutines it starts
	bg       sync.WaitGroup // the hub's own goroutines (send workers, recovery, announcements)
}

// New returns a hub. Store, Broker and Auth are required.
func New(cfg Config) *Hub {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{cfg: cfg, log: cfg.Logger, m: cfg.Metrics, ctx: ctx, cancel: cancel, clients: map[*Client]struct{}{},
		recoverReq: make(chan struct{}, 1), replaySlots: make(chan struct{}, cfg.ReplayConcurrency)}
	for i := range h.rooms {
		h.rooms[i].init()
		h.users[i].init()
	}
	h.load = newLoad(&h.cfg)
	h.coalesce = newCoalescer(cfg.WriteCoalesce)
	h.sends = newSender(h, cfg.SendWorkers, cfg.MaxBatch, cfg.SendQueue)
	h.sends.start()
	h.goBackground(func() { h.probe(ctx) })
	h.goBackground(h.recoverLoop)
	return h
}

// goBackground runs fn on a goroutine of the hub's own, which Shutdown waits for; fn must
// return once h.ctx ends. After Shutdown it does nothing.
func (h *Hub) goBackground(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.bg.Add(1)
	go func() {
		defer h.bg.Done()
		fn()
	}()
}

// HandleChat delivers a chat event that arrived from the broker to local members: seq > 0 for
// a timeline event, 0 for an ephemeral one that the connections of user skip (when not 0) must
// not get. It does not block.
func (h *Hub) HandleChat(chatID, seq, skip int64, data []byte) {
	var left int64
	if seq > 0 {
		left = leftUser(data)
	}
	h.rooms[shardOf(chatID)].each(chatID, seq, func(c *Client) {
		if seq > 0 {
			c.deliverTimeline(chatID, seq, data, left)
		} else if c.user.ID != skip {
			c.deliverMember(chatID, data)
		}
	})
}

// HandleUser delivers an event that arrived from the broker to the user's local connections.
// It does not block.
func (h *Hub) HandleUser(userID int64, e fechatter.UserEvent) {
	var list []*Client
	h.users[shardOf(userID)].each(userID, 0, func(c *Client) { list = append(list, c) })
	for _, c := range list {
		c.handleUserEvent(e)
	}
}

// Draining reports whether Shutdown has begun (for /readyz).
func (h *Hub) Draining() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.draining
}

// Connections returns the number of open connections on this node.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) track(c *Client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	h.clients[c] = struct{}{}
	h.wg.Add(1)
	return true
}

func (h *Hub) untrack(c *Client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.wg.Done()
}

// Shutdown stops accepting connections, asks every client to reconnect elsewhere (1012) once
// the frame it is handling is done, and waits for all connection handlers to end or ctx to
// expire; then it stops the hub's own goroutines and waits for them.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.draining = true
	list := make([]*Client, 0, len(h.clients))
	for c := range h.clients {
		list = append(list, c)
	}
	h.mu.Unlock()
	for _, c := range list {
		c.close(DisconnectRestart)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	h.close()
	return err
}

// close cancels the hub's context and waits for its own goroutines.
func (h *Hub) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.bg.Wait()
}
