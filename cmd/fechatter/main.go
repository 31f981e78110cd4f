// Command fechatter runs a Fechatter hub node. With no configuration it runs the whole product
// on one machine (SQLite in ./data, NATS in-process); one environment variable per engine
// switches to PostgreSQL and an external NATS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fechatter/fechatter/internal/node"
)

func main() {
	m := NewMain(os.Stdout, os.Stderr)
	if err := m.Run(context.Background(), os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fechatter:", err)
		}
		os.Exit(2)
	}
}

// Main is the program: configuration from flags and environment, then a subcommand.
type Main struct {
	stdout, stderr io.Writer
	Config         node.Config
	logLevel       string
	debugAddr      string
	apiBodyLimit   string // parsed into Config by ParseFlags
	readTimeout    string
	files          fileFlags
	assistant      assistantFlags
}

// NewMain returns a Main writing to the given streams.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{stdout: stdout, stderr: stderr}
}

const usage = `fechatter — realtime team chat

Usage:
  fechatter [serve] [flags]   run a hub node (the default)
  fechatter seed [flags]      bulk users, chats and tokens for load tests (fechatter seed -h)
  fechatter reindex [flags]   rebuild the Meilisearch index from the store, resumable (fechatter reindex -h)
  fechatter healthcheck [-ready] [-url U]  exit 0 when the local node answers /healthz (or /readyz), for container health checks
  fechatter help              this text
  fechatter version           print the version

Every flag mirrors an environment variable; flags win. With nothing set, fechatter keeps
its data in ./data (SQLite, embedded NATS) and listens on :8080.

Flags:
`

// Run parses args and runs the chosen subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if err := m.ParseFlags(args); err != nil {
			return err
		}
		return m.serve(ctx)
	case "seed":
		return m.seed(ctx, args)
	case "reindex":
		return m.reindex(ctx, args)
	case "healthcheck":
		return m.healthcheck(ctx, args)
	case "help", "-h", "--help":
		fs := m.flags()
		fmt.Fprint(m.stdout, usage)
		fs.SetOutput(m.stdout)
		fs.PrintDefaults()
		return nil
	case "version":
		fmt.Fprintln(m.stdout, "fechatter", version)
		return nil
	}
	return fmt.Errorf("unknown command %q (try: fechatter help)", cmd)
}

var version = "dev"

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (m *Main) flags() *flag.FlagSet {
	c := &m.Config
	fs := flag.NewFlagSet("fechatter", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	fs.StringVar(&c.Addr, "addr", env("FECHATTER_ADDR", ":8080"), "listen address for REST, WebSocket, SSE, web, health and metrics (FECHATTER_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("FECHATTER_DATA_DIR", "./data"), "directory for the SQLite file, embedded NATS and generated secret (FECHATTER_DATA_DIR)")
	fs.StringVar(&c.JWTSecret, "jwt-secret", env("FECHATTER_JWT_SECRET", ""), "HS256 signing secret, 32+ bytes; generated into the data dir when empty (FECHATTER_JWT_SECRET)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; SQLite when empty (DATABASE_URL)")
	fs.StringVar(&c.NATSURL, "nats-url", env("NATS_URL", ""), "external NATS URL(s), comma separated; embedded when empty (NATS_URL)")
	fs.StringVar(&c.NATSPrefix, "nats-prefix", env("FECHATTER_NATS_PREFIX", "fechatter"), "first token of every NATS subject, to share a NATS cluster between deployments (FECHATTER_NATS_PREFIX)")
	fs.StringVar(&c.RedisURL, "redis-url", env("REDIS_URL", ""), "Redis URL for presence and rate limits shared by all nodes; in memory when empty (REDIS_URL)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", env("FECHATTER_REDIS_PREFIX", "fechatter:"), "prefix of every Redis key; rate-limit keys are rate:<prefix>… (FECHATTER_REDIS_PREFIX)")
	fs.StringVar(&c.MeiliURL, "meili-url", env("MEILI_URL", ""), "Meilisearch URL for search; the store's full text when empty (MEILI_URL)")
	fs.StringVar(&c.MeiliKey, "meili-key", env("MEILI_KEY", ""), "Meilisearch API key (MEILI_KEY)")
	fs.StringVar(&c.ClickHouseURL, "clickhouse-url", env("CLICKHOUSE_URL", ""), "ClickHouse for product analytics, e.g. clickhouse://127.0.0.1:9000/fechatter, fed from JetStream; reduced stats from the store when empty (CLICKHOUSE_URL)")
	fs.Func("analytics-retention", "how long ClickHouse keeps usage events and rollups, e.g. 90d or 720h (FECHATTER_ANALYTICS_RETENTION, default 90d)", func(s string) error {
		d, err := parseRetention(s)
		c.AnalyticsRetention = d
		return err
	})
	fs.StringVar(&c.PushURL, "push-url", env("FECHATTER_PUSH_URL", ""), "push hook: POST a signed, ID-only notice here when a mentioned or DM'd user has no open connection, for a push proxy (APNs/FCM); off when empty (FECHATTER_PUSH_URL)")
	fs.StringVar(&c.PushSecret, "push-secret", env("FECHATTER_PUSH_SECRET", ""), "HMAC-SHA256 key, 16+ bytes, signing each push notice; required with a push URL (FECHATTER_PUSH_SECRET)")
	fs.StringVar(&c.TLSCert, "tls-cert", env("FECHATTER_TLS_CERT", ""), "TLS certificate file (FECHATTER_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", env("FECHATTER_TLS_KEY", ""), "TLS key file (FECHATTER_TLS_KEY)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("FECHATTER_METRICS_ADDR", ""), "serve Prometheus /metrics only on this address, e.g. 127.0.0.1:9090; on the main port when empty (FECHATTER_METRICS_ADDR)")
	fs.StringVar(&m.debugAddr, "debug-addr", env("FECHATTER_DEBUG_ADDR", ""), "serve Go's pprof profiler on this address, e.g. 127.0.0.1:6060; off when empty (FECHATTER_DEBUG_ADDR)")
	fs.StringVar(&c.SignupPolicy, "signup", env("FECHATTER_SIGNUP", "open"), "who may sign up: open (anyone, into a new workspace of their own) or invite-only (invited people, plus the very first user) (FECHATTER_SIGNUP)")
	fs.StringVar(&c.PublicURL, "public-url", env("FECHATTER_PUBLIC_URL", ""), "where people reach the web client, e.g. https://chat.example.com, for invitation links; the request's own host when empty (FECHATTER_PUBLIC_URL)")
	fs.StringVar(&m.apiBodyLimit, "api-body-limit", env("FECHATTER_API_BODY_LIMIT", "65536"), "largest /api request body in bytes; larger ones get 413 before any parsing (FECHATTER_API_BODY_LIMIT)")
	fs.StringVar(&m.readTimeout, "read-timeout", env("FECHATTER_READ_TIMEOUT", "30s"), "time a request's headers and body may take to arrive; a slower API body gets 408 (FECHATTER_READ_TIMEOUT); open WebSockets and SSE streams are not cut")
	fs.StringVar(&m.logLevel, "log-level", env("FECHATTER_LOG_LEVEL", "info"), "debug, info, warn or error (FECHATTER_LOG_LEVEL)")
	fs.Func("allowed-origins", "comma-separated Origin patterns (hosts like localhost:5173 or *.example.com, or full origins like https://app.example.com) allowed besides same-origin, for WebSocket, SSE and CORS alike (FECHATTER_ALLOWED_ORIGINS)", func(s string) error {
		c.AllowedOrigins = splitList(s)
		return nil
	})
	c.AllowedOrigins = splitList(env("FECHATTER_ALLOWED_ORIGINS", ""))
	fs.Func("trusted-proxies", "comma-separated IPs or CIDRs of load balancers whose X-Forwarded-For names the client (FECHATTER_TRUSTED_PROXIES)", func(s string) error {
		c.TrustedProxies = splitList(s)
		return nil
	})
	c.TrustedProxies = splitList(env("FECHATTER_TRUSTED_PROXIES", ""))
	c.JWTPrevious = splitList(env("FECHATTER_JWT_PREVIOUS_SECRETS", ""))
	fs.IntVar(&c.AuthPerMinute, "auth-per-minute", 30, "requests to /api/v1/auth/* per client address per minute; 0 turns it off (FECHATTER_AUTH_PER_MINUTE)")
	fs.IntVar(&c.LoginFailures, "login-failures", 10, "failed logins per account and client address per login window; 0 turns it off (FECHATTER_LOGIN_FAILURES)")
	fs.IntVar(&c.LoginAccountAttempts, "login-account-attempts", 100, "login attempts per account from all addresses per login window; 0 turns it off (FECHATTER_LOGIN_ACCOUNT_ATTEMPTS)")
	fs.DurationVar(&c.LoginWindow, "login-window", 15*time.Minute, "window of the login limits (FECHATTER_LOGIN_WINDOW)")
	fs.IntVar(&c.WritesPerMinute, "writes-per-minute", 60, "REST writes (POST, PATCH, DELETE) per user per minute, sends excepted; 0 turns it off (FECHATTER_WRITES_PER_MINUTE)")
	fs.Float64Var(&c.SendRate, "send-rate", 10, "messages per second per user, over sockets and REST together; 0 turns it off (FECHATTER_SEND_RATE)")
	fs.IntVar(&c.SendBurst, "send-burst", 30, "messages a user may send at once (FECHATTER_SEND_BURST)")
	fs.IntVar(&c.QueueLimit, "queue-limit", 1<<20, "bytes of events queued to one connection before it is closed as a slow consumer (4008) to resume later (FECHATTER_QUEUE_LIMIT)")
	fs.DurationVar(&c.PingInterval, "ping-interval", 25*time.Second, "how often each WebSocket is pinged (and each SSE stream gets a keepalive comment); a ping without pong within the write timeout closes the socket (FECHATTER_PING_INTERVAL)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 10*time.Second, "longest a frame write to a client may take (and a ping's pong); a client whose socket accepts nothing for longer stopped reading and is closed as a slow consumer (4008) to resume later (FECHATTER_WRITE_TIMEOUT)")
	fs.IntVar(&c.SocketSendBuffer, "socket-send-buffer", 0, "SO_SNDBUF in bytes for every accepted connection, capping the kernel's buffering for a client that stopped reading (the kernel doubles it); 0 keeps the kernel's autotuning, up to 4 MiB per socket on Linux (FECHATTER_SOCKET_SEND_BUFFER)")
	fs.DurationVar(&c.OverloadBudget, "overload-budget", 500*time.Millisecond, "how far behind (scheduler, commit queue, fan-out) the node may be before it refuses sends (error overloaded) and connects (HTTP 503) with a retry hint; 0 turns it off (FECHATTER_OVERLOAD_BUDGET)")
	fs.Float64Var(&c.ConnectRate, "connect-rate", 0, "new WebSocket and SSE connections per second on this node, bursts of twice that; past it HTTP 503 with Retry-After; 0: no fixed bound (FECHATTER_CONNECT_RATE)")
	fs.IntVar(&c.SendQueue, "send-queue", 1024, "sends waiting per send worker before more are refused as overloaded (FECHATTER_SEND_QUEUE)")
	fs.DurationVar(&c.WriteCoalesce, "write-coalesce", 25*time.Millisecond, "a connection that was written to less than this long ago waits until then for its next frame, so the events arriving meanwhile share one write; 0: every frame at once (FECHATTER_WRITE_COALESCE)")
	fs.IntVar(&c.ReplayConcurrency, "replay-concurrency", 2, "store reads for replays (resume, gap recovery) running at once; the rest take turns (FECHATTER_REPLAY_CONCURRENCY)")
	m.fileFlags(fs)
	m.assistantFlags(fs)
	return fs
}

// envFlags are the flags whose environment variable needs parsing. ParseFlags applies them
// before the command line, so flags win.
var envFlags = [][2]string{
	{"auth-per-minute", "FECHATTER_AUTH_PER_MINUTE"},
	{"login-failures", "FECHATTER_LOGIN_FAILURES"},
	{"login-account-attempts", "FECHATTER_LOGIN_ACCOUNT_ATTEMPTS"},
	{"login-window", "FECHATTER_LOGIN_WINDOW"},
	{"writes-per-minute", "FECHATTER_WRITES_PER_MINUTE"},
	{"send-rate", "FECHATTER_SEND_RATE"},
	{"send-burst", "FECHATTER_SEND_BURST"},
	{"queue-limit", "FECHATTER_QUEUE_LIMIT"},
	{"ping-interval", "FECHATTER_PING_INTERVAL"},
	{"write-timeout", "FECHATTER_WRITE_TIMEOUT"},
	{"socket-send-buffer", "FECHATTER_SOCKET_SEND_BUFFER"},
	{"overload-budget", "FECHATTER_OVERLOAD_BUDGET"},
	{"connect-rate", "FECHATTER_CONNECT_RATE"},
	{"send-queue", "FECHATTER_SEND_QUEUE"},
	{"replay-concurrency", "FECHATTER_REPLAY_CONCURRENCY"},
	{"write-coalesce", "FECHATTER_WRITE_COALESCE"},
	{"analytics-retention", "FECHATTER_ANALYTICS_RETENTION"},
}

// limitsOff turns the limits set to 0 off: on the command line 0 means off, in node.Config
// it means the default.
func limitsOff(c *node.Config) {
	for _, v := range []*int{&c.AuthPerMinute, &c.LoginFailures, &c.LoginAccountAttempts, &c.WritesPerMinute, &c.SendBurst} {
		if *v <= 0 {
			*v = -1
		}
	}
	if c.SendRate <= 0 {
		c.SendRate = -1
	}
	if c.OverloadBudget <= 0 {
		c.OverloadBudget = -1
	}
	if c.WriteCoalesce <= 0 {
		c.WriteCoalesce = -1
	}
}

// parseRetention reads a retention: a number of days ("90d") or a Go duration ("720h").
func parseRetention(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d < time.Hour {
		return 0, fmt.Errorf("analytics retention %q: want days like 90d or a duration of an hour or more", s)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParseFlags reads the environment and then the flags into m.Config.
func (m *Main) ParseFlags(args []string) error {
	fs := m.flags()
	for _, f := range envFlags {
		if v, ok := os.LookupEnv(f[1]); ok {
			if err := fs.Set(f[0], v); err != nil {
				return fmt.Errorf("%s: %w", f[1], err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if p := m.Config.SignupPolicy; p != "open" && p != "invite-only" {
		return fmt.Errorf("signup policy %q: want open or invite-only", p)
	}
	limitsOff(&m.Config)
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.logLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	m.Config.Logger = slog.New(slog.NewJSONHandler(m.stderr, &slog.HandlerOptions{Level: level}))
	return m.parseEdge()
}

// parseEdge reads the HTTP edge's limits, kept as text by flags() like the log level.
func (m *Main) parseEdge() error {
	limit, err := strconv.ParseInt(m.apiBodyLimit, 10, 64)
	if err != nil || limit <= 0 {
		return fmt.Errorf("api body limit %q: want a positive number of bytes", m.apiBodyLimit)
	}
	timeout, err := time.ParseDuration(m.readTimeout)
	if err != nil || timeout <= 0 {
		return fmt.Errorf("read timeout %q: want a positive duration like 30s", m.readTimeout)
	}
	m.Config.APIBodyLimit, m.Config.ReadTimeout = limit, timeout
	if err := m.parseAssistant(); err != nil {
		return err
	}
	return m.parseFiles()
}

func (m *Main) serve(ctx context.Context) error {
	log := m.Config.Logger
	serveDebug(m.debugAddr, log)
	n, err := node.Open(ctx, m.Config)
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	served := make(chan error, 1)
	go func() { served <- n.Serve() }()
	select {
	case err := <-served:
		return err
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	if err := n.Shutdown(context.Background()); err != nil {
		log.Warn("shutdown incomplete", "err", err)
	}
	if err := <-served; err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
