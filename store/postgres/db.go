package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fechatter/fechatter"
)

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Now is the clock stamped on rows; nil means time.Now().UTC(). Its values are stored
	// truncated to the microsecond, PostgreSQL's precision.
	Now func() time.Time
	// MaxConns caps the pool; 0 keeps pgxpool's default or the URL's pool_max_conns.
	MaxConns int32
}

// DB is a fechatter.Store on a PostgreSQL database. It is safe for concurrent use.
type DB struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	stats lexemeStats // word frequencies for choosing a search's plan
}

// Open connects to the database at url (a postgres:// URL or key=value DSN) and applies the
// pending migrations.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &DB{pool: pool, now: now}, nil
}

// Close closes the pool, waiting for connections in use to be released.
// Analyze refreshes the planner's statistics of the directory tables a bulk load fills
// (workspaces, users, sessions, chats, members). The timeline tables are left alone on
// purpose: analyzed while empty, the planner takes them for empty until the next analyze,
// which never comes with autovacuum off, and the send path then scanned them (send5000 on
// PostgreSQL: 15,721 and 19,764 of 50,000 sends acked with them analyzed, 35,251 and 35,847
// without).
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, "ANALYZE workspaces, users, refresh_tokens, chats, members"); err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	return nil
}

func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// clock returns the current time as stored: UTC, microsecond precision.
func (db *DB) clock() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// update runs fn in a read-write transaction (READ COMMITTED) and commits it if fn returns nil.
func (db *DB) update(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// view runs fn in a read-only REPEATABLE READ transaction: one consistent snapshot.
func (db *DB) view(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin read: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit read: %w", err)
	}
	return nil
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface{ Scan(dest ...any) error }

func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// isUnique reports whether err violates the unique constraint or index named constraint.
func isUnique(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

func notFound(what string, id int64) error {
	return fechatter.Errorf(fechatter.ENotFound, "%s %d not found", what, id)
}
