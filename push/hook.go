package push

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/logsum"
)

// Store is what the hook reads: a chat's kind, workspace and members, and a user's
// notification preferences.
type Store interface {
	Chat(ctx context.Context, id int64) (fechatter.Chat, error)
	Preferences(ctx context.Context, userID int64) (fechatter.Preferences, error)
}

// Presence says who has an open connection on any node.
type Presence interface {
	Online(ctx context.Context, userIDs []int64) (map[int64]bool, error)
}

// Config configures a Hook. Zero values take the documented defaults.
type Config struct {
	URL      string // where notices are POSTed (http or https); required
	Secret   string // HMAC-SHA256 key, at least MinSecret bytes; required
	Store    Store
	Presence Presence
	Logger   *slog.Logger
	Metrics  *Metrics
	Client   *http.Client // default: a client with no redirects

	QueueLen    int           // notices waiting at most (default 1024); more are dropped
	Workers     int           // concurrent deliveries (default 4)
	Timeout     time.Duration // one request (default 5s)
	MaxAttempts int           // tries per notice (default 6)
	BaseDelay   time.Duration // first retry's delay before jitter (default 500ms)
	MaxDelay    time.Duration // longest delay between tries (default 30s)
	Now         func() time.Time
}

// MinSecret is the shortest secret New accepts.
const MinSecret = 16

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.QueueLen <= 0 {
		c.QueueLen = 1024
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 6
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 500 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Hook sends push notices. Create it with New, Start it, hand new messages to Message, and
// Close it on shutdown.
type Hook struct {
	cfg    Config
	secret []byte
	log    *slog.Logger
	m      *Metrics
	queue  chan fechatter.Message
	// presenceLog sums up the messages whose presence check fell back to this node's view
	presenceLog logsum.Every

	mu    sync.Mutex
	chats map[int64]chatInfo // kind, workspace and (direct chats) members never change

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type chatInfo struct {
	kind      fechatter.ChatKind
	workspace int64
	members   []int64 // direct chats only
}

const maxCachedChats = 10000

// New checks cfg and returns a hook.
func New(cfg Config) (*Hook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("push url %q: must be an http or https URL", cfg.URL)
	}
	if len(cfg.Secret) < MinSecret {
		return nil, fmt.Errorf("push secret: at least %d bytes are required with a push url", MinSecret)
	}
	if cfg.Store == nil || cfg.Presence == nil {
		return nil, errors.New("push: a store and a presence tracker are required")
	}
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Hook{
		cfg: cfg, secret: []byte(cfg.Secret), log: cfg.Logger, m: cfg.Metrics,
		queue: make(chan fechatter.Message, cfg.QueueLen), chats: map[int64]chatInfo{},
		ctx: ctx, cancel: cancel,
	}, nil
}

// Start runs the delivery workers until Close.
func (h *Hook) Start() {
	for range h.cfg.Workers {
		h.wg.Add(1)
		go h.work()
	}
}

// Close stops the workers; notices still queued or being retried are abandoned (counted).
func (h *Hook) Close() {
	h.cancel()
	h.wg.Wait()
	for {
		select {
		case <-h.queue:
			h.m.notices.WithLabelValues("abandoned").Inc()
		default:
			h.m.queued.Set(0)
			return
		}
	}
}

// Message takes a message just committed on this node. It never blocks: when the queue is
// full the message's notices are dropped and counted.
func (h *Hook) Message(m fechatter.Message) {
	if m.Deleted || h.ctx.Err() != nil {
		return
	}
	if info, ok := h.cached(m.ChatID); ok && info.kind != fechatter.ChatDirect && !mentionsOthers(m) {
		return
	}
	select {
	case h.queue <- m:
		h.m.queued.Inc()
	default:
		h.m.notices.WithLabelValues("dropped").Inc()
		h.log.Warn("push: queue full; notice dropped", "chat_id", m.ChatID, "message_id", m.ID)
	}
}

func mentionsOthers(m fechatter.Message) bool {
	for _, id := range m.Mentions {
		if id != m.SenderID {
			return true
		}
	}
	return false
}

func (h *Hook) work() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case m := <-h.queue:
			h.m.queued.Dec()
			for _, n := range h.notices(m) {
				h.deliver(n)
			}
		}
	}
}

func (h *Hook) cached(chatID int64) (chatInfo, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	info, ok := h.chats[chatID]
	return info, ok
}

func (h *Hook) chat(ctx context.Context, chatID int64) (chatInfo, error) {
	if info, ok := h.cached(chatID); ok {
		return info, nil
	}
	c, err := h.cfg.Store.Chat(ctx, chatID)
	if err != nil {
		return chatInfo{}, err
	}
	info := chatInfo{kind: c.Kind, workspace: c.WorkspaceID}
	if c.Kind == fechatter.ChatDirect {
		info.members = slices.Clone(c.MemberIDs)
	}
	h.mu.Lock()
	if len(h.chats) >= maxCachedChats {
		clear(h.chats)
	}
	h.chats[chatID] = info
	h.mu.Unlock()
	return info, nil
}

// notices decides who gets a notice for m: the users it mentions by name and, in a direct
// chat, the other member; not the sender, not anyone online, not anyone whose preferences
// say the message does not notify them.
func (h *Hook) notices(m fechatter.Message) []Notice {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.Timeout)
	defer cancel()
	info, err := h.chat(ctx, m.ChatID)
	if err != nil {
		h.m.skipped.WithLabelValues("error").Inc()
		h.log.Warn("push: cannot read the chat; notices dropped", "chat_id", m.ChatID, "err", err)
		return nil
	}
	var to []int64
	for _, id := range m.Mentions {
		if id != m.SenderID {
			to = append(to, id)
		}
	}
	if info.kind == fechatter.ChatDirect {
		for _, id := range info.members {
			if id != m.SenderID && !slices.Contains(to, id) {
				to = append(to, id)
			}
		}
	}
	if len(to) == 0 {
		return nil
	}
	online, err := h.cfg.Presence.Online(ctx, to)
	if err != nil {
		// The answer is this node's own knowledge: someone online only elsewhere may get a
		// push they did not need, which beats missing one.
		h.presenceLog.Warn(h.log, h.cfg.Now(), "push: presence degraded to this node's view", "err", err)
	}
	now := h.cfg.Now()
	var out []Notice
	for _, uid := range to {
		if online[uid] {
			h.m.skipped.WithLabelValues("online").Inc()
			continue
		}
		mention := slices.Contains(m.Mentions, uid)
		prefs, err := h.cfg.Store.Preferences(ctx, uid)
		if err != nil {
			h.m.skipped.WithLabelValues("error").Inc()
			h.log.Warn("push: cannot read preferences; notice dropped", "user_id", uid, "err", err)
			continue
		}
		if !prefs.Notifies(m.ChatID, info.kind, mention, now) {
			h.m.skipped.WithLabelValues("preferences").Inc()
			continue
		}
		kind := KindDM
		if mention {
			kind = KindMention
		}
		out = append(out, Notice{
			ID: fmt.Sprintf("m%d.u%d", m.ID, uid), Kind: kind, WorkspaceID: info.workspace,
			ChatID: m.ChatID, MessageID: m.ID, Seq: m.Seq, UserID: uid, SenderID: m.SenderID,
			CreatedAt: m.CreatedAt.UTC(),
		})
	}
	return out
}
