package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/loadtest"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/sqlite"
)

const seedUsage = `fechatter seed — bulk users, chats and tokens for load testing

Usage:
  fechatter seed -users N [-chats C -members M] [-out seed.json] [-token-ttl 2h] [store flags]

Writes through the store the server uses (same -data-dir / -database-url / -jwt-secret and
environment as serve; the server may be running): one new workspace with N users sharing one
password (hashed once), C private group chats of M members (chat c has users c·M … c·M+M−1),
and an access token per user valid for -token-ttl. The JSON file is what fechatter-load and
the k6 scripts read. Clean up by dropping the data dir or database after the run.

Flags:
`

// seed implements `fechatter seed`.
func (m *Main) seed(ctx context.Context, args []string) error {
	fs := m.flags()
	fs.Usage = func() { fmt.Fprint(m.stderr, seedUsage); fs.PrintDefaults() }
	var cfg loadtest.SeedConfig
	var out string
	var ttl time.Duration
	fs.IntVar(&cfg.Users, "users", 1000, "users to create")
	fs.IntVar(&cfg.Chats, "chats", 0, "group chats to create")
	fs.IntVar(&cfg.Members, "members", 0, "members per chat")
	fs.StringVar(&cfg.Workspace, "workspace", "", "workspace name (default loadtest-<random>)")
	fs.StringVar(&cfg.Password, "password", "load-test-password", "password of every seeded user")
	fs.IntVar(&cfg.Workers, "workers", 8, "parallel store writers")
	fs.StringVar(&out, "out", "seed.json", "file to write")
	fs.DurationVar(&ttl, "token-ttl", 2*time.Hour, "lifetime of the issued access tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c := m.Config
	st, err := openSeedStore(ctx, c.DataDir, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	iss, err := seedIssuer(c.DataDir, c.JWTSecret, ttl)
	if err != nil {
		return err
	}
	if cfg.PasswordHash, err = auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, cfg.Password); err != nil {
		return err
	}
	start := time.Now()
	f, err := loadtest.Seed(ctx, st, iss, cfg)
	if err != nil {
		return err
	}
	if err := f.WriteFile(out); err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "seeded workspace %q (id %d): %d users, %d chats × %d members in %.1fs → %s (tokens expire %s)\n",
		f.Workspace, f.WorkspaceID, len(f.Users), len(f.Chats), cfg.Members, time.Since(start).Seconds(), out, f.ExpiresAt.Format(time.RFC3339))
	return nil
}

func openSeedStore(ctx context.Context, dataDir, databaseURL string) (fechatter.Store, error) {
	if databaseURL != "" {
		return postgres.Open(ctx, databaseURL, postgres.Options{})
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, filepath.Join(dataDir, "fechatter.db"), sqlite.Options{})
}

// seedIssuer signs with the secret serve uses: the flag or env, else the one kept in the data
// dir (created if the server has not run yet, and then used by it).
func seedIssuer(dataDir, secret string, ttl time.Duration) (*auth.Issuer, error) {
	key := []byte(secret)
	if len(key) == 0 {
		var err error
		if key, err = auth.LoadOrCreateSecret(filepath.Join(dataDir, "jwt.secret")); err != nil {
			return nil, fmt.Errorf("jwt secret: %w", err)
		}
	}
	keys, err := auth.NewKeys(key)
	if err != nil {
		return nil, err
	}
	return auth.NewIssuer(auth.IssuerConfig{Keys: keys, TTL: ttl})
}
