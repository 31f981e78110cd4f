package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/storetest"
)

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// adminURL is the URL of a database the tests connect to for CREATE/DROP DATABASE; the
// environment variable FECHATTER_TEST_PG overrides it.
func adminURL() string {
	if v := os.Getenv("FECHATTER_TEST_PG"); v != "" {
		return v
	}
	return defaultAdminURL
}

func connectAdmin(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, adminURL())
}

// requirePG skips the test when PostgreSQL is unreachable, or fails it when CI=true.
func requirePG(t testing.TB) {
	t.Helper()
	conn, err := connectAdmin(context.Background())
	if err == nil {
		conn.Close(context.Background())
		return
	}
	msg := "PostgreSQL unreachable at " + redacted(adminURL()) + " (set FECHATTER_TEST_PG to an admin URL): " + err.Error()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; skipping (with CI=true this fails)")
}

func redacted(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "the configured server"
}

// createDB creates an empty database with a random name, dropped (WITH FORCE) at cleanup, and
// returns its URL.
func createDB(t testing.TB) string {
	t.Helper()
	var b [8]byte
	rand.Read(b[:])
	name := "fechatter_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	conn, err := connectAdmin(context.Background())
	if err != nil {
		t.Fatalf("connect admin: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := connectAdmin(ctx)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(adminURL())
	if err != nil {
		t.Fatalf("FECHATTER_TEST_PG must be a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func openURL(t testing.TB, dbURL string, opts postgres.Options) *postgres.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, dbURL, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // runs before createDB's cleanup drops the database
	return db
}

func open(t testing.TB, opts postgres.Options) *postgres.DB {
	t.Helper()
	return openURL(t, createDB(t), opts)
}

func TestStore(t *testing.T) {
	requirePG(t)
	storetest.Run(t, func(t *testing.T) fechatter.Store { return open(t, postgres.Options{}) })
}

// TestClock checks that the injected clock stamps rows and decides token expiry, and that
// times round-trip in UTC at microsecond precision.
func TestClock(t *testing.T) {
	requirePG(t)
	zone := time.FixedZone("X", 5*3600)
	fixed := time.Date(2024, 5, 6, 7, 8, 9, 123456789, zone)
	db := open(t, postgres.Options{Now: func() time.Time { return fixed }})
	ctx := t.Context()
	want := fixed.UTC().Truncate(time.Microsecond)

	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.CreatedAt.Equal(want) || u.CreatedAt.Location() != time.UTC {
		t.Fatalf("Signup CreatedAt = %v, want %v", u.CreatedAt, want)
	}
	back, err := db.User(ctx, u.ID)
	if err != nil || back.CreatedAt != want {
		t.Fatalf("User CreatedAt = %v (err %v), want exactly %v", back.CreatedAt, err, want)
	}
	// Both tokens expired long ago by the wall clock; only the injected clock tells them apart.
	live := fechatter.RefreshToken{Hash: "live", UserID: u.ID, FamilyID: "f1", ExpiresAt: fixed.Add(time.Minute)}
	dead := fechatter.RefreshToken{Hash: "dead", UserID: u.ID, FamilyID: "f2", ExpiresAt: fixed.Add(-time.Second)}
	for _, tok := range []fechatter.RefreshToken{live, dead} {
		if err := db.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.RotateRefreshToken(ctx, "live", fechatter.RefreshToken{Hash: "next"}); err != nil {
		t.Fatalf("Rotate live token: %v", err)
	}
	_, _, err = db.RotateRefreshToken(ctx, "dead", fechatter.RefreshToken{Hash: "next2"})
	if fechatter.ErrorCode(err) != fechatter.EUnauthorized {
		t.Fatalf("Rotate expired token: %v, want unauthorized", err)
	}
}

// TestConcurrentOpen starts several nodes on one empty database at once: the advisory lock
// must let each migration run exactly once.
func TestConcurrentOpen(t *testing.T) {
	requirePG(t)
	dbURL := createDB(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := postgres.Open(ctx, dbURL, postgres.Options{MaxConns: 2})
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			db.Close()
		})
	}
	wg.Wait()
	db := openURL(t, dbURL, postgres.Options{})
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != migrationFiles(t) {
		t.Fatalf("schema_migrations has %d rows (err %v), want one per migration file", n, err)
	}
}

func BenchmarkSend(b *testing.B) {
	requirePG(b)
	storetest.BenchSend(b, open(b, postgres.Options{MaxConns: 16}))
}

// migrationFiles counts the migrations shipped in ./migrations: each must be recorded once.
func migrationFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}
