package postgres

import (
	"context"
	"embed"
	"fmt"
	"github.com/fechatter/fechatter/store/migration"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFS holds the schema migrations. It is a package variable only because go:embed
// requires one; it is read-only.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the pg_advisory_xact_lock key that makes nodes starting at once take turns.
const migrationLock int64 = 0x6665636861747472 // "fechattr"

// migrate applies the migrations not yet recorded in schema_migrations, in order, each in its
// own transaction holding the migration advisory lock.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migration.Load(migrationFS)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	err = migrationTx(ctx, pool, "schema_migrations", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    bigint      PRIMARY KEY,
			name       text        NOT NULL,
			applied_at timestamptz NOT NULL
		)`)
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := migrationTx(ctx, pool, m.Name, func(tx pgx.Tx) error { return applyMigration(ctx, tx, m) }); err != nil {
			return err
		}
	}
	return nil
}

// migrationTx runs fn in a transaction that first takes the migration lock.
func migrationTx(ctx context.Context, pool *pgxpool.Pool, name string, fn func(tx pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration %s: begin: %w", name, err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migration %s: lock: %w", name, err)
	}
	if err := fn(tx); err != nil {
		return fmt.Errorf("postgres: migration %s: %w", name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migration %s: commit: %w", name, err)
	}
	return nil
}

func applyMigration(ctx context.Context, tx pgx.Tx, m migration.Migration) error {
	var applied bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&applied)
	if err != nil || applied {
		return err
	}
	// Without arguments pgx sends the script with the simple protocol, several statements at once.
	if _, err := tx.Exec(ctx, m.SQL); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`,
		m.Version, m.Name)
	return err
}
