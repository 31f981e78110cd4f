package analytics

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/fechatter/fechatter"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultRetention is how long events and rollups are kept (FECHATTER_ANALYTICS_RETENTION).
const DefaultRetention = 90 * 24 * time.Hour

// ClickHouse is the analytics database: its schema, inserts, erasure and stats queries.
type ClickHouse struct {
	conn      driver.Conn
	db        string
	retention time.Duration
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// OpenClickHouse connects to dsn (clickhouse://[user[:password]@]host:9000/database; the
// database defaults to "fechatter" and is created when missing), applies the migrations and
// sets the retention of every table.
func OpenClickHouse(ctx context.Context, dsn string, retention time.Duration) (*ClickHouse, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	db := opts.Auth.Database
	if db == "" || db == "default" {
		db = "fechatter"
	}
	if !identifier.MatchString(db) {
		return nil, fmt.Errorf("clickhouse: database name %q must be letters, digits and _", db)
	}
	if retention <= 0 {
		retention = DefaultRetention
	}
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	ch := &ClickHouse{conn: conn, db: db, retention: retention}
	if err := ch.migrate(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return ch, nil
}

// Database is the database the tables live in.
func (ch *ClickHouse) Database() string { return ch.db }

// Conn is the connection, for tests and tools.
func (ch *ClickHouse) Conn() driver.Conn { return ch.conn }

// Close closes the connection.
func (ch *ClickHouse) Close() error { return ch.conn.Close() }

// Ping checks the connection.
func (ch *ClickHouse) Ping(ctx context.Context) error { return ch.conn.Ping(ctx) }

// sql fills the {db} and {ttl} placeholders of a statement.
func (ch *ClickHouse) sql(s string) string {
	return strings.NewReplacer("{db}", ch.db, "{ttl}", strconv.FormatInt(int64(ch.retention/time.Second), 10)).Replace(s)
}

// rollups and their TTL column: the retention applies to all of them.
var ttlOf = map[string]string{"events": "toDateTime(at)", "events_hourly": "t", "events_daily": "t", "chat_hourly": "t"}

func (ch *ClickHouse) migrate(ctx context.Context) error {
	if err := ch.conn.Exec(ctx, ch.sql("CREATE DATABASE IF NOT EXISTS {db}")); err != nil {
		return fmt.Errorf("clickhouse: create database: %w", err)
	}
	if err := ch.conn.Exec(ctx, ch.sql(`CREATE TABLE IF NOT EXISTS {db}.schema_migrations
		(version UInt32, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version`)); err != nil {
		return fmt.Errorf("clickhouse: migrations table: %w", err)
	}
	var applied []uint32
	rows, err := ch.conn.Query(ctx, ch.sql("SELECT version FROM {db}.schema_migrations"))
	if err != nil {
		return fmt.Errorf("clickhouse: migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied = append(applied, v)
	}
	rows.Close()
	files, _ := fs.Glob(migrations, "migrations/*.sql")
	slices.Sort(files)
	for _, f := range files {
		v, err := strconv.ParseUint(strings.SplitN(strings.TrimPrefix(f, "migrations/"), "_", 2)[0], 10, 32)
		if err != nil {
			return fmt.Errorf("clickhouse: migration %s: bad name", f)
		}
		if slices.Contains(applied, uint32(v)) {
			continue
		}
		body, _ := migrations.ReadFile(f)
		for _, stmt := range strings.Split(string(body), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if err := ch.conn.Exec(ctx, ch.sql(stmt)); err != nil {
				return fmt.Errorf("clickhouse: migration %s: %w", f, err)
			}
		}
		if err := ch.conn.Exec(ctx, ch.sql("INSERT INTO {db}.schema_migrations (version) VALUES (?)"), uint32(v)); err != nil {
			return fmt.Errorf("clickhouse: migration %s: %w", f, err)
		}
	}
	// The retention may have changed since the tables were made: set it on every start (a
	// metadata change; parts past it are dropped by the next merges).
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"materialize_ttl_after_modify": 0}))
	for table, col := range ttlOf {
		stmt := fmt.Sprintf("ALTER TABLE {db}.%s MODIFY TTL %s + toIntervalSecond({ttl})", table, col)
		if err := ch.conn.Exec(ctx, ch.sql(stmt)); err != nil {
			return fmt.Errorf("clickhouse: retention of %s: %w", table, err)
		}
	}
	return nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Insert stores a batch in one block. A second insert with the same token is dropped, in the
// table and in every rollup.
func (ch *ClickHouse) Insert(ctx context.Context, evs []fechatter.UsageEvent, token string) error {
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"insert_deduplication_token":                         token,
		"deduplicate_blocks_in_dependent_materialized_views": 1,
	}))
	b, err := ch.conn.PrepareBatch(ctx, ch.sql(`INSERT INTO {db}.events (event_id, kind, at, source, workspace_id,
		user_id, chat_id, code, page, size, count, duration_ms, ip, props)`))
	if err != nil {
		return fmt.Errorf("clickhouse: insert: %w", err)
	}
	defer b.Abort()
	for _, ev := range evs {
		props := ev.Props
		if props == nil {
			props = map[string]string{}
		}
		if err := b.Append(ev.ID, string(ev.Kind), ev.At, ev.Source, uint64(max(ev.WorkspaceID, 0)),
			uint64(max(ev.UserID, 0)), uint64(max(ev.ChatID, 0)), ev.Code, ev.Page, uint64(max(ev.Size, 0)),
			uint64(max(ev.Count, 0)), ev.DurationMs, ev.IP, props); err != nil {
			return fmt.Errorf("clickhouse: insert: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("clickhouse: insert: %w", err)
	}
	return nil
}

// Stored returns which of the events' ids the table holds.
func (ch *ClickHouse) Stored(ctx context.Context, evs []fechatter.UsageEvent) (map[string]bool, error) {
	have := map[string]bool{}
	if len(evs) == 0 {
		return have, nil
	}
	ids := make([]string, len(evs))
	lo, hi := evs[0].At, evs[0].At
	for i, ev := range evs {
		ids[i] = ev.ID
		if ev.At.Before(lo) {
			lo = ev.At
		}
		if ev.At.After(hi) {
			hi = ev.At
		}
	}
	rows, err := ch.conn.Query(ctx, ch.sql(`SELECT DISTINCT toString(event_id) FROM {db}.events
		WHERE at BETWEEN ? AND ? AND event_id IN (?)`), lo.Add(-time.Second), hi.Add(time.Second), ids) // bound in whole seconds
	if err != nil {
		return nil, fmt.Errorf("clickhouse: stored: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		have[id] = true
	}
	return have, rows.Err()
}

// ForgetUser deletes every event of a user (a lightweight delete: the rows vanish from
// queries at once and from disk at the next merges). The rollups keep only counts and
// sketches of hashed ids, never a user id.
func (ch *ClickHouse) ForgetUser(ctx context.Context, workspaceID, userID int64) error {
	err := ch.conn.Exec(ctx, ch.sql("DELETE FROM {db}.events WHERE workspace_id = ? AND user_id = ?"),
		uint64(workspaceID), uint64(userID))
	if err != nil {
		return fmt.Errorf("clickhouse: forget user: %w", err)
	}
	return nil
}
