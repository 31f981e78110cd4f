package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"github.com/fechatter/fechatter/store/migration"
	"time"
)

// migrationFS holds the schema migrations. It is a package variable only because go:embed
// requires one; it is read-only.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate applies the migrations not yet recorded in schema_migrations, in order, each in its
// own transaction. BEGIN IMMEDIATE makes concurrent openers of one file take turns.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migration.Load(migrationFS)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	const ddl = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: begin: %w", m.Name, err)
	}
	defer tx.Rollback()
	var applied bool
	err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`,
		m.Version).Scan(&applied)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: check: %w", m.Name, err)
	}
	if applied {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMicro())
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: commit: %w", m.Name, err)
	}
	return nil
}
