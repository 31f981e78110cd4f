package fechattertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/jackc/pgx/v5"
)

// Options chooses the engines of a test node.
type Options struct {
	Postgres    bool   // a fresh PostgreSQL database instead of SQLite
	DatabaseURL string // use this database (shared by several nodes) instead of making one
	NATSURL     string // external NATS instead of the embedded one
	NATSPrefix  string // subject prefix; unique per Start when empty, share it between nodes
	RedisURL    string // presence in Redis instead of memory
	DataDir     string // reuse a data dir (restart tests); a temp dir when empty
	JWTSecret   string // share one secret between nodes
	Tune        func(*node.Config)
}

// Server is a running test node.
type Server struct {
	*node.Node
	URL   string // http://127.0.0.1:port
	WSURL string // ws://127.0.0.1:port/ws
	Cfg   node.Config
}

// FastArgon2 keeps tests quick; production uses auth.DefaultParams.
var FastArgon2 = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Start boots a node and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cfg := node.Config{
		Addr:          "127.0.0.1:0",
		DataDir:       opts.DataDir,
		JWTSecret:     opts.JWTSecret,
		NATSURL:       opts.NATSURL,
		NATSPrefix:    opts.NATSPrefix,
		RedisURL:      opts.RedisURL,
		DatabaseURL:   opts.DatabaseURL,
		Argon2:        FastArgon2,
		ShutdownGrace: 5 * time.Second,
		// Rate limits are off; the tests of a limit turn it on with Tune.
		AuthPerMinute: -1, LoginFailures: -1, LoginAccountAttempts: -1, WritesPerMinute: -1, SendRate: -1,
		// So is overload admission: a test machine busy with other tests is late by more than
		// any budget. The tests of admission turn it on with Tune.
		OverloadBudget: -1,
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.NATSPrefix == "" {
		cfg.NATSPrefix = UniquePrefix()
	}
	if cfg.JWTSecret == "" {
		cfg.JWTSecret = RandomSecret()
	}
	if opts.Postgres && cfg.DatabaseURL == "" {
		cfg.DatabaseURL = CreateDatabase(t)
	}
	if opts.Tune != nil {
		opts.Tune(&cfg)
	}
	n, err := node.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("fechattertest: open node: %v", err)
	}
	go n.Serve()
	s := &Server{Node: n, URL: "http://" + n.Addr(), WSURL: "ws://" + n.Addr() + "/ws", Cfg: cfg}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = n.Shutdown(ctx)
	})
	return s
}

// UniquePrefix returns a NATS subject prefix no other test uses, so tests sharing the
// machine's NATS server never see each other's events.
func UniquePrefix() string { return "fctest" + hex.EncodeToString(randomBytes(6)) }

// RandomSecret returns a JWT secret for a test.
func RandomSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// AdminURL is the PostgreSQL URL tests use to create and drop databases.
func AdminURL() string {
	if u := os.Getenv("FECHATTER_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NATSURL is the external NATS for tests that need one.
func NATSURL() string {
	if u := os.Getenv("FECHATTER_TEST_NATS"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// MeiliURL is the real Meilisearch for tests that need one (.ci/meili.sh starts it).
func MeiliURL() string {
	if u := os.Getenv("FECHATTER_TEST_MEILI_URL"); u != "" {
		return u
	}
	return "http://127.0.0.1:7700"
}

// MeiliKey is MeiliURL's master key.
func MeiliKey() string {
	if k := os.Getenv("FECHATTER_TEST_MEILI_KEY"); k != "" {
		return k
	}
	return "fechatter-ci-master-key"
}

// Unavailable skips the test when a service is missing, or fails it under CI=true.
func Unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", what, err)
	}
	t.Skipf("%s unavailable (set CI=true to make this a failure): %v", what, err)
}

// CreateDatabase makes a fresh PostgreSQL database for the test, dropped when it ends.
func CreateDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		Unavailable(t, "PostgreSQL", err)
	}
	defer admin.Close(context.Background())
	name := "fechatter_test_" + hex.EncodeToString(randomBytes(6))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	cfg, err := pgx.ParseConfig(AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
