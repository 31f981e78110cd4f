package node

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/sqlite"
)

// The one place that says where an installation keeps its data and its signing secret: the
// server and the commands that work on its data (`fechatter seed`) both ask here.

// OpenStore opens the store c names: PostgreSQL at DatabaseURL, else the SQLite file in
// DataDir (created when absent).
func (c Config) OpenStore(ctx context.Context, log *slog.Logger) (fechatter.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Each Open returns a concrete pointer: returning it only on success keeps a failed open
	// from handing out a typed nil that a caller would call Close on.
	if c.DatabaseURL != "" {
		log.Info("store: postgresql")
		db, err := postgres.Open(ctx, c.DatabaseURL, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		return db, nil
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := filepath.Join(c.DataDir, "fechatter.db")
	log.Info("store: sqlite", "path", path)
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return db, nil
}

// SigningSecret is the installation's JWT signing secret: JWTSecret when set, else the one
// kept in DataDir/jwt.secret (generated there on first use). Tokens, file URLs and search
// cursors are signed with keys made from it.
func (c Config) SigningSecret() ([]byte, error) {
	if c.JWTSecret != "" {
		return []byte(c.JWTSecret), nil
	}
	secret, err := auth.LoadOrCreateSecret(filepath.Join(c.DataDir, "jwt.secret"))
	if err != nil {
		return nil, fmt.Errorf("jwt secret: %w", err)
	}
	return secret, nil
}
