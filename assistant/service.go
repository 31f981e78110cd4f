package assistant

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/openai"
	"github.com/fechatter/fechatter/search"
	"github.com/prometheus/client_golang/prometheus"
)

// Store is what the assistant reads and writes.
type Store interface {
	BotUser(ctx context.Context, workspaceID int64) (fechatter.User, error)
	User(ctx context.Context, id int64) (fechatter.User, error)
	Chat(ctx context.Context, id int64) (fechatter.Chat, error)
	Member(ctx context.Context, chatID, userID int64) (fechatter.Member, error)
	Message(ctx context.Context, id int64) (fechatter.Message, error)
	Messages(ctx context.Context, q fechatter.MessageQuery) ([]fechatter.Message, bool, error)
	StartAnswer(ctx context.Context, p fechatter.AnswerParams) (fechatter.Event, error)
	FinishAnswer(ctx context.Context, p fechatter.FinishParams) (fechatter.Event, error)
	StaleAnswers(ctx context.Context, before time.Time, limit int) ([]fechatter.Message, error)
}

// Hub writes to chats the way people's edits go: on the chat's worker, published after
// commit. *hub.Hub implements it.
type Hub interface {
	Change(ctx context.Context, chatID int64, op func(context.Context) ([]fechatter.Event, error)) error
	Stream(chatID, messageID int64, text string)
}

// Model completes a prompt, streaming; *openai.Client implements it.
type Model interface {
	Model() string
	Stream(ctx context.Context, req openai.Request, onDelta func(string) error) (openai.Result, error)
}

// Searcher finds messages as a user may; *search.Service implements it. Nil: no retrieval.
type Searcher interface {
	Search(ctx context.Context, user fechatter.User, r search.Request) (search.Page, error)
}

// Usage takes one analytics event per answer (kind bot_response); nil: none.
type Usage interface {
	Track(e fechatter.UsageEvent)
}

// Config configures a Service. Store, Hub and Model are required.
type Config struct {
	Store    Store
	Hub      Hub
	Model    Model
	Searcher Searcher
	Usage    Usage
	Logger   *slog.Logger
	Registry prometheus.Registerer // nil: metrics are not registered
	Now      func() time.Time

	UserQuota      int           // answers per user per UTC day (default 50; <0: none)
	WorkspaceQuota int           // answers per workspace per UTC day (default 1000; <0: none)
	ContextTokens  int           // the model's window, prompt and answer together (default 8192)
	MaxTokens      int           // longest answer, in tokens (default 1024)
	AnswerTimeout  time.Duration // longest answer, start to finish (default 2m)
	StreamInterval time.Duration // least time between two stream events of an answer (default 150ms)
	SweepInterval  time.Duration // how often answers left streaming are looked for (default 30s)
	// SweepGrace is added to AnswerTimeout before a streaming answer counts as left behind by
	// a dead node (default 10s: a live node stores an answer's end within finishTimeout).
	SweepGrace  time.Duration
	Concurrency int // answers streaming at once on this node (default 8)
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.UserQuota == 0 {
		c.UserQuota = 50
	}
	if c.WorkspaceQuota == 0 {
		c.WorkspaceQuota = 1000
	}
	if c.ContextTokens <= 0 {
		c.ContextTokens = 8192
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = 1024
	}
	if c.AnswerTimeout <= 0 {
		c.AnswerTimeout = 2 * time.Minute
	}
	if c.StreamInterval <= 0 {
		c.StreamInterval = 150 * time.Millisecond
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = 30 * time.Second
	}
	if c.SweepGrace <= 0 {
		c.SweepGrace = 10 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
}

// Service runs the assistant of every workspace on this node.
type Service struct {
	cfg Config
	log *slog.Logger
	m   *metrics

	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
	events chan fechatter.Event

	mu      sync.Mutex
	running map[int64]*answer // by message id
	askers  map[int64]int64   // asker → message id of their running answer
	bots    map[int64]fechatter.User
	isBot   map[int64]bool  // user id → bot
	dmBot   map[int64]int64 // chat id → the bot it is a direct chat with (0: none)
	closed  bool
}

var (
	errCanceled = errors.New("assistant: canceled by the asker")
	errShutdown = errors.New("assistant: the server is shutting down")
)

// New returns a service; Start runs it.
func New(cfg Config) *Service {
	cfg.defaults()
	ctx, cancel := context.WithCancelCause(context.Background())
	return &Service{
		cfg: cfg, log: cfg.Logger, m: newMetrics(cfg.Registry), ctx: ctx, cancel: cancel,
		events:  make(chan fechatter.Event, 1024),
		running: map[int64]*answer{}, askers: map[int64]int64{}, bots: map[int64]fechatter.User{},
		isBot: map[int64]bool{}, dmBot: map[int64]int64{},
	}
}

// Start runs the trigger loop and the sweeper until Close.
func (s *Service) Start() {
	s.wg.Add(2)
	go s.watch()
	go s.sweep()
}

// Close stops taking questions, ends every running answer as failed (stored, so nothing is
// left streaming) and waits for them, or for ctx.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel(errShutdown)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Info is what a client needs to show the assistant.
type Info struct {
	Enabled        bool            `json:"enabled"`
	Bot            *fechatter.User `json:"bot,omitempty"`
	Model          string          `json:"model,omitempty"`
	UserQuota      int             `json:"user_quota,omitempty"`      // answers per user per UTC day (0: no limit)
	WorkspaceQuota int             `json:"workspace_quota,omitempty"` // answers per workspace per UTC day
}

// Info returns the asker's workspace's assistant, creating its bot user on first use.
func (s *Service) Info(ctx context.Context, user fechatter.User) (Info, error) {
	bot, err := s.bot(ctx, user.WorkspaceID)
	if err != nil {
		return Info{}, err
	}
	return Info{Enabled: !bot.Disabled, Bot: &bot, Model: s.cfg.Model.Model(),
		UserQuota: max(s.cfg.UserQuota, 0), WorkspaceQuota: max(s.cfg.WorkspaceQuota, 0)}, nil
}

// bot returns the workspace's bot, cached once created (its id never changes; Disabled is
// read afresh at most once a minute through the store's own checks at StartAnswer).
func (s *Service) bot(ctx context.Context, workspaceID int64) (fechatter.User, error) {
	s.mu.Lock()
	b, ok := s.bots[workspaceID]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.cfg.Store.BotUser(ctx, workspaceID)
	if err != nil {
		return fechatter.User{}, err
	}
	s.mu.Lock()
	s.bots[workspaceID] = b
	s.isBot[b.ID] = true
	s.mu.Unlock()
	return b, nil
}
