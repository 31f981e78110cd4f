package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/analytics"
	"github.com/fechatter/fechatter/assistant"
	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/fanout"
	"github.com/fechatter/fechatter/files"
	"github.com/fechatter/fechatter/hub"
	"github.com/fechatter/fechatter/internal/clientip"
	"github.com/fechatter/fechatter/internal/edge"
	"github.com/fechatter/fechatter/push"
	"github.com/fechatter/fechatter/rest"
	"github.com/fechatter/fechatter/search/meili"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Node is one running hub node.
type Node struct {
	cfg    Config
	log    *slog.Logger
	Store  fechatter.Store
	Hub    *hub.Hub
	Issuer *auth.Issuer
	Files  *files.Service

	fileKey     []byte // the JWT secret, from which signed file URLs' key is derived
	embedded    *fanout.Embedded
	nc          *nats.Conn
	bridge      *fanout.Bridge
	indexer     *meili.Indexer // nil unless Meilisearch is configured
	usage       *analytics.Emitter
	assistant   *assistant.Service  // nil unless FECHATTER_AI_URL is set
	consumer    *analytics.Consumer // nil unless ClickHouse is configured
	clickhouse  *analytics.ClickHouse
	registry    *prometheus.Registry
	ln          net.Listener
	srv         *http.Server
	metrics     *http.Server // nil unless MetricsAddr is set
	metricsLn   net.Listener
	metricsDone chan struct{}
	draining    atomic.Bool
	rechecking  atomic.Bool // a session recheck runs (see recheckSessions)
	served      chan error
	stopOnce    sync.Once
	stopErr     error

	stopFiles context.CancelFunc
	filesDone chan struct{}

	natsHealth natsHealth

	presence     presenceTracker
	push         *push.Hook // nil unless FECHATTER_PUSH_URL is set
	redis        *redis.Client
	stopPresence context.CancelFunc
	presenceDone chan struct{}
}

// Open builds a node from cfg and listens on cfg.Addr; call Serve to accept connections.
func Open(ctx context.Context, cfg Config) (_ *Node, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 15 * time.Second
	}
	if cfg.APIBodyLimit <= 0 {
		cfg.APIBodyLimit = 64 << 10
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	origins, err := edge.ParseOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("allowed origins: %w", err)
	}
	proxies, err := clientip.New(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger, registry: prometheus.NewRegistry(), served: make(chan error, 1)}
	defer func() {
		if err != nil {
			n.closeBackends()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := n.openStore(ctx); err != nil {
		return nil, err
	}
	if err := n.connectNATS(); err != nil {
		return nil, err
	}
	if err := n.openAuth(); err != nil {
		return nil, err
	}
	if err := n.openAnalytics(ctx); err != nil { // before files and the hub: both emit usage events
		return nil, err
	}
	if err := n.openFiles(ctx, n.fileKey); err != nil {
		return nil, err
	}
	n.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), newReadyCollector(n))
	if n.presence, err = n.openPresence(); err != nil {
		return nil, err
	}
	n.registerPresenceMetrics()
	limiter := n.openLimiter()
	if n.push, err = n.openPush(); err != nil {
		return nil, err
	}
	n.bridge = fanout.New(n.nc, fanout.Options{Logger: n.log, Prefix: cfg.NATSPrefix})
	n.registerNATSMetrics()
	n.Hub = hub.New(hub.Config{
		Store: n.Store, Broker: n.bridge, Auth: issuerAuth{n.Issuer}, Presence: n.presence, Logger: n.log,
		Metrics: hub.NewMetrics(n.registry), AllowedOrigins: origins.Patterns(),
		PingInterval: cfg.PingInterval, QueueLimit: cfg.QueueLimit, FrameRate: cfg.FrameRate,
		TypingInterval: cfg.TypingInterval, WriteTimeout: cfg.WriteTimeout, SendWorkers: n.sendWorkers(),
		PresenceFanout: cfg.PresenceFanout, SendLimiter: n.sendLimiter(limiter), Usage: n.usage,
		Push:           n.pusher(),
		OverloadBudget: cfg.OverloadBudget, ConnectRate: max(0, cfg.ConnectRate), SendQueue: cfg.SendQueue,
		ReplayConcurrency: cfg.ReplayConcurrency, WriteCoalesce: cfg.WriteCoalesce,
	})
	n.bridge.Start(n.Hub)
	n.runPresence()
	searcher, err := n.openSearch(ctx)
	if err != nil {
		return nil, err
	}
	if n.assistant, err = n.openAssistant(searcher); err != nil {
		return nil, err
	}
	restCfg := rest.Config{
		Searcher: searcher, Store: n.Store, Hasher: auth.NewHasher(cfg.Argon2, 0), Issuer: n.Issuer, Notifier: n.Hub, Sender: n.Hub, Presence: n.presence,
		Logger: n.log, Limits: n.restLimits(), Limiter: limiter, ClientIP: proxies,
		SignupPolicy: cfg.SignupPolicy, PublicURL: cfg.PublicURL, BodyLimit: int(cfg.APIBodyLimit),
		Usage: n.usage,
	}
	n.statsConfig(&restCfg)
	if n.assistant != nil {
		restCfg.Assistant = n.assistant
	}
	api := rest.New(restCfg)
	n.srv = &http.Server{
		Handler:           n.routes(api, origins),
		ReadHeaderTimeout: 10 * time.Second,
		// ReadTimeout bounds the request's headers and body on every route (a stalled body to
		// any path would otherwise hold its goroutine for ever). It does not cut /ws or
		// /events: net/http clears the read deadline when a handler hijacks the connection (WS)
		// and when it starts its background read of a bodiless request (SSE), as
		// TestSlowBodyIsCutOffButSocketsLive checks. No WriteTimeout: it would cut streams;
		// the hub sets a deadline per write instead.
		ReadTimeout: cfg.ReadTimeout,
		IdleTimeout: 120 * time.Second,
		ErrorLog:    slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	if n.ln, err = n.listen(); err != nil {
		return nil, err
	}
	if err = n.serveMetrics(); err != nil {
		n.ln.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) openStore(ctx context.Context) error {
	st, err := n.cfg.OpenStore(ctx, n.log)
	if err != nil {
		return err
	}
	n.Store = st
	return nil
}

func (n *Node) connectNATS() error {
	opts := []nats.Option{
		nats.Name("fechatter"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.ReconnectJitter(500*time.Millisecond, time.Second),
		nats.ReconnectBufSize(-1), // never buffer publishes while down: the store is the truth
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.natsHealth.disconnects.Add(1)
			n.log.Warn("nats: disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			n.log.Info("nats: reconnected", "url", c.ConnectedUrlRedacted())
			n.recheckSessions()
			n.recoverTimelines()
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			n.log.Warn("nats: async error", "subject", subj, "err", err)
			if errors.Is(err, nats.ErrSlowConsumer) {
				n.natsHealth.slow.Add(1)
				n.recheckSessions()
				n.recoverTimelines()
			}
		}),
	}
	var err error
	if n.cfg.NATSURL != "" {
		n.nc, err = nats.Connect(n.cfg.NATSURL, append(opts, nats.RetryOnFailedConnect(true))...)
		n.log.Info("fanout: external nats")
	} else {
		if n.embedded, err = fanout.StartEmbedded(n.cfg.DataDir); err != nil {
			return err
		}
		n.nc, err = n.embedded.Connect(opts...)
		n.log.Info("fanout: embedded nats")
	}
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	return nil
}

func (n *Node) openAuth() error {
	secret, err := n.cfg.SigningSecret()
	if err != nil {
		return err
	}
	var prev [][]byte
	for _, p := range n.cfg.JWTPrevious {
		prev = append(prev, []byte(p))
	}
	n.fileKey = secret
	keys, err := auth.NewKeys(secret, prev...)
	if err != nil {
		return fmt.Errorf("jwt keys: %w", err)
	}
	n.Issuer, err = auth.NewIssuer(auth.IssuerConfig{Keys: keys, TTL: n.cfg.AccessTTL})
	return err
}

func (n *Node) listen() (net.Listener, error) {
	addr := n.cfg.Addr
	if addr == "" {
		addr = ":8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if n.cfg.SocketSendBuffer > 0 {
		ln = sendBufferListener{Listener: ln, size: n.cfg.SocketSendBuffer}
	}
	if n.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(n.cfg.TLSCert, n.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	return ln, nil
}

// sendWorkers is the number of concurrent send transactions: SQLite has one writer, so one
// worker batches best; PostgreSQL commits in parallel.
func (n *Node) sendWorkers() int {
	if n.cfg.DatabaseURL == "" {
		return 1
	}
	return 8
}

// Addr is the address the node listens on.
func (n *Node) Addr() string { return n.ln.Addr().String() }

// Serve accepts connections until Shutdown; it returns nil after a clean shutdown.
func (n *Node) Serve() error {
	n.log.Info("listening", "addr", n.Addr())
	err := n.srv.Serve(n.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return <-n.served
	}
	return err
}

// Shutdown drains: /readyz turns 503, sockets are asked to reconnect elsewhere (1012) once
// their frame in flight is answered, HTTP requests finish, then the backends close.
func (n *Node) Shutdown(ctx context.Context) error {
	n.stopOnce.Do(func() { n.stopErr = n.shutdown(ctx) })
	return n.stopErr
}

func (n *Node) shutdown(ctx context.Context) error {
	n.draining.Store(true)
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ShutdownGrace)
	defer cancel()
	errAssistant := n.closeAssistant(ctx)
	errHub := n.Hub.Shutdown(ctx)
	errHTTP := n.srv.Shutdown(ctx)
	errMetrics := n.stopMetrics(ctx)
	n.closeBackends()
	err := errors.Join(errAssistant, errHub, errHTTP, errMetrics)
	n.served <- err
	return err
}

func (n *Node) closeBackends() {
	n.closePush()
	if n.assistant != nil { // after a failed Open; Shutdown closed it before the hub
		n.assistant.Close(context.Background())
	}
	n.closeFiles()
	n.closeSearch()
	if n.stopPresence != nil {
		n.stopPresence()
		<-n.presenceDone
	}
	if n.redis != nil {
		n.redis.Close()
	}
	n.closeAnalytics()
	if n.bridge != nil {
		n.bridge.Close()
	}
	if n.nc != nil {
		n.nc.Close()
	}
	if n.embedded != nil {
		n.embedded.Shutdown()
	}
	if n.Store != nil {
		n.Store.Close()
	}
}

// recheckSessions makes the hub check every socket's session against the store, once at a
// time, after NATS may have dropped revoke events for this node.
func (n *Node) recheckSessions() {
	if n.Hub == nil || !n.rechecking.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer n.rechecking.Store(false)
		n.Hub.Recheck(context.Background())
	}()
}

// recoverTimelines asks the hub to recover the timelines after the broker came back or
// dropped events (Hub.Recover returns at once; the hub runs one recovery at a time).
func (n *Node) recoverTimelines() {
	if n.Hub != nil {
		n.Hub.Recover()
	}
}

type issuerAuth struct{ i *auth.Issuer }

func (a issuerAuth) Authenticate(token string) (hub.Identity, error) {
	c, err := a.i.Verify(token)
	return hub.Identity{UserID: c.UserID, Session: c.SessionID, ExpiresAt: c.ExpiresAt}, err
}

// Subscriptions is the number of NATS subscriptions this node holds (interest tracking).
func (n *Node) Subscriptions() int { return n.nc.NumSubscriptions() }
