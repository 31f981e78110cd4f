package main

import (
	"context"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/loadtest/seed"
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
	var cfg seed.Config
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
	// The server's own rules find the store and the signing secret (internal/node).
	st, err := m.Config.OpenStore(ctx, nil)
	if err != nil {
		return err
	}
	defer st.Close()
	iss, err := seedIssuer(m.Config, ttl)
	if err != nil {
		return err
	}
	if cfg.PasswordHash, err = auth.NewHasher(auth.DefaultParams, 1).Hash(ctx, cfg.Password); err != nil {
		return err
	}
	start := time.Now()
	f, err := seed.Create(ctx, st, iss, cfg)
	if err != nil {
		return err
	}
	// The planner knows nothing of a bulk load until the next analyze, which never comes where
	// autovacuum is off (this project's CI machines): a connect's chat list then sorted every
	// chat of the workspace. PostgreSQL's advice after a bulk load is to analyze at once.
	if a, ok := st.(analyzer); ok {
		if err := a.Analyze(ctx); err != nil {
			return err
		}
	}
	if err := f.WriteFile(out); err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "seeded workspace %q (id %d): %d users, %d chats × %d members in %.1fs → %s (tokens expire %s)\n",
		f.Workspace, f.WorkspaceID, len(f.Users), len(f.Chats), cfg.Members, time.Since(start).Seconds(), out, f.ExpiresAt.Format(time.RFC3339))
	return nil
}

// analyzer is a store that refreshes its query planner's statistics (PostgreSQL).
type analyzer interface {
	Analyze(ctx context.Context) error
}

// seedIssuer signs with the secret serve uses: the flag or env, else the one kept in the data
// dir (created if the server has not run yet, and then used by it).
func seedIssuer(c node.Config, ttl time.Duration) (*auth.Issuer, error) {
	secret, err := c.SigningSecret()
	if err != nil {
		return nil, err
	}
	keys, err := auth.NewKeys(secret)
	if err != nil {
		return nil, err
	}
	return auth.NewIssuer(auth.IssuerConfig{Keys: keys, TTL: ttl})
}
