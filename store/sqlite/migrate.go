package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/fechatter/fechatter/store/migration"
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

// fkOff marks a migration that rebuilds tables other tables refer to. SQLite cannot drop a
// constraint, so such a migration creates the new table, copies, drops the old one and renames
// the new one: with foreign keys enforced, the drop would fail. It runs the way SQLite's
// documentation prescribes: foreign keys off (outside the transaction, on the one
// connection), then foreign_key_check before the commit.
const fkOff = "-- sqlite: foreign_keys off"

func applyMigration(ctx context.Context, db *sql.DB, m migration.Migration) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	defer conn.Close()
	rebuild := strings.HasPrefix(m.SQL, fkOff)
	if rebuild {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
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
	if rebuild {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: commit: %w", m.Name, err)
	}
	return nil
}

// foreignKeyCheck fails when any row refers to a row that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		return fmt.Errorf("foreign key check failed")
	}
	return rows.Err()
}
