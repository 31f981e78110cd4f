package node

import (
	"log/slog"
	"time"

	"github.com/fechatter/fechatter/auth"
)

// Config is everything a node needs; the zero value (plus DataDir) is the embedded default.
type Config struct {
	Addr           string // listen address, e.g. ":8080" or "127.0.0.1:0"
	DataDir        string // SQLite file, embedded NATS store, generated JWT secret
	JWTSecret      string // when empty, generated once and kept in DataDir
	JWTPrevious    []string
	AllowedOrigins []string // extra Origin patterns (hosts or full origins) for WebSocket, SSE and CORS
	TrustedProxies []string // load balancers whose X-Forwarded-For names the client
	DatabaseURL    string   // PostgreSQL; SQLite in DataDir when empty
	NATSURL        string   // external NATS; embedded in-process when empty
	NATSPrefix     string   // first token of every subject (default "fechatter")
	MeiliURL       string   // Meilisearch for search; the store's full text when empty
	MeiliKey       string   // Meilisearch API key (MEILI_KEY)
	ClickHouseURL  string   // analytics in ClickHouse, fed from JetStream; reduced stats when empty
	// AnalyticsRetention is how long ClickHouse keeps events and rollups (default 90 days).
	AnalyticsRetention time.Duration
	AnalyticsAckWait   time.Duration // redelivery of a batch a node died holding (default 1m; tests)
	AnalyticsFlush     time.Duration // how long the ClickHouse writer waits to fill a batch (default 1s)
	RedisURL           string        // presence shared by all nodes; in memory when empty
	RedisPrefix        string        // key prefix in Redis (default "fechatter:")
	PresenceTTL        time.Duration
	TLSCert            string
	TLSKey             string
	SignupPolicy       string        // "open" (default) or "invite-only"
	PublicURL          string        // where people reach the web client, for invitation links
	MetricsAddr        string        // Prometheus /metrics on this listener only; on Addr when empty
	APIBodyLimit       int64         // largest /api request body in bytes (default 64 KiB)
	ReadTimeout        time.Duration // a request's headers and body must arrive within it (default 30s)
	// SocketSendBuffer, when positive, sets SO_SNDBUF (bytes) on every accepted connection,
	// capping what the kernel buffers for a client that stopped reading; zero leaves the
	// kernel's autotuning (up to net.ipv4.tcp_wmem's maximum, 4 MiB on Linux by default).
	SocketSendBuffer int
	Files            FilesConfig     // attachments: limits, and S3 instead of the data dir
	PushURL          string          // push hook: where ID-only notices for offline users go; off when empty
	PushSecret       string          // HMAC-SHA256 key signing each push notice (16+ bytes)
	Assistant        AssistantConfig // the AI member; off unless its URL is set

	Logger *slog.Logger

	// Rate limits (see docs/operations.md): zero takes the default, negative turns one off.
	AuthPerMinute        int           // requests to /api/v1/auth/* per client address per minute (30)
	LoginFailures        int           // failed logins per account and client address per LoginWindow (10)
	LoginAccountAttempts int           // login attempts per account from all addresses per LoginWindow (100)
	LoginWindow          time.Duration // 15m
	WritesPerMinute      int           // REST writes per user per minute, sends excepted (60)
	SendRate             float64       // messages per second per user, sockets and REST together (10)
	SendBurst            int           // messages a user may send at once (30)

	// Past capacity (docs/operations.md#past-capacity): zero takes the default, negative off.
	OverloadBudget    time.Duration // how far behind the node may be before it refuses sends and connects (500ms)
	ConnectRate       float64       // new connections per second on this node, burst twice that (off)
	SendQueue         int           // sends waiting per send worker before more are refused (1024)
	ReplayConcurrency int           // store reads for replays (resume, gap recovery) at once (2)
	WriteCoalesce     time.Duration // a busy connection's next frame waits this long for more events (25ms)

	// Tuning, mostly for tests.
	Argon2         auth.Params // zero: auth.DefaultParams
	AccessTTL      time.Duration
	ShutdownGrace  time.Duration // time given to connections to finish on shutdown (default 15s)
	PingInterval   time.Duration
	PresenceFanout int           // largest chat that gets presence events (default 100)
	WriteTimeout   time.Duration // a frame write or a ping's pong; a longer write is a slow consumer (default 10s)
	QueueLimit     int
	FrameRate      float64 // client frames per second per connection (default 20)
	TypingInterval time.Duration
}
