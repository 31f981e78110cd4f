package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/fechatter/fechatter"
)

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Now is the clock stamped on rows; nil means time.Now().UTC(). Its values are stored
	// truncated to the microsecond.
	Now func() time.Time
	// ReadConns caps the pool of read connections; 0 means max(4, GOMAXPROCS).
	ReadConns int
	// BusyTimeout is how long a statement waits for another process's lock; 0 means 5s.
	BusyTimeout time.Duration
	// Synchronous is SQLite's synchronous setting for the write connection: "FULL" (the
	// default: a commit, and so an ack, is on disk before it returns, and survives power loss)
	// or "NORMAL" (a commit survives a crash of the process but the last ones may be lost in a
	// power loss or OS crash). docs/operations.md has the measurements behind the default.
	Synchronous string
}

// DB is a fechatter.Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	write *sql.DB    // exactly one connection; every transaction on it is BEGIN IMMEDIATE
	stmts *stmtCache // the send path's statements, prepared on write
	// readStmts are the connect path's statements, prepared on read
	readStmts *stmtCache
	read      *sql.DB // query-only connections
	now       func() time.Time
}

// Open opens (creating it if needed) the database file at path and applies the pending
// migrations. A new file is created readable by its owner only (0600); SQLite gives the -wal
// and -shm files the database file's mode.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: invalid database path %q", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 5 * time.Second
	}
	sync := strings.ToUpper(opts.Synchronous)
	switch sync {
	case "":
		sync = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("sqlite: synchronous %q: want FULL or NORMAL", opts.Synchronous)
	}
	common := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1", busy.Milliseconds())
	write, err := openPool(ctx, path+"?"+common+"&_journal_mode=WAL&_synchronous="+sync+"&_txlock=immediate", 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	stmts, err := newStmtCache(ctx, write, hotStatements()...)
	if err != nil {
		write.Close()
		return nil, err
	}
	readConns := opts.ReadConns
	if readConns <= 0 {
		readConns = max(4, runtime.GOMAXPROCS(0))
	}
	read, err := openPool(ctx, path+"?"+common+"&_query_only=1"+readPragmas, readConns)
	if err != nil {
		write.Close()
		return nil, err
	}
	readStmts, err := newStmtCache(ctx, read, connectStatements()...)
	if err != nil {
		stmts.close()
		read.Close()
		write.Close()
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	return &DB{write: write, stmts: stmts, readStmts: readStmts, read: read, now: now}, nil
}

// readPragmas tune the read connections. A search walks tens of thousands of index and row
// pages (docs/benchmarks.md#search); with SQLite's default 2 MB page cache per connection
// every one of them is a read system call and a copy. Mapping the file (up to 1 GiB) lets
// every read connection use the kernel's page cache directly, shared, without copies; it costs
// address space, not memory. Writes still go through the WAL, which is not mapped.
const readPragmas = "&_pragma=mmap_size(1073741824)"

// createPrivate creates an empty file at path with mode 0600 unless one exists; SQLite would
// create it 0644. An existing file keeps its mode: the operator chose it.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return f.Close()
}

func openPool(ctx context.Context, dsn string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: connect: %w", err)
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.stmts.close()
	db.readStmts.close()
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// clock returns the current time as stored: UTC, microsecond precision.
func (db *DB) clock() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}

// update runs fn in a write transaction and commits it if fn returns nil. The transaction
// begins with BEGIN IMMEDIATE (the write pool's _txlock), so it holds the write lock from the
// start and never fails half-way with SQLITE_BUSY on a lock upgrade.
func (db *DB) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// view runs fn in a read transaction on the read pool: one consistent snapshot.
func (db *DB) view(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit read: %w", err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// placeholders returns "?, ?, ..." for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func notFound(what string, id int64) error {
	return fechatter.Errorf(fechatter.ENotFound, "%s %d not found", what, id)
}
