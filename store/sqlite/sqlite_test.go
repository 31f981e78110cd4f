package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sqlite"
	"github.com/fechatter/fechatter/store/storetest"
)

func openAt(t testing.TB, path string, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sqlite.Open(ctx, path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func open(t testing.TB, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "fechatter.db"), opts)
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) fechatter.Store { return open(t, sqlite.Options{}) })
}

// TestClock checks that the injected clock stamps rows and decides token expiry, and that
// times round-trip in UTC at microsecond precision.
func TestClock(t *testing.T) {
	zone := time.FixedZone("X", 5*3600)
	fixed := time.Date(2024, 5, 6, 7, 8, 9, 123456789, zone)
	db := open(t, sqlite.Options{Now: func() time.Time { return fixed }})
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

// TestReopen checks that data survives a reopen and migrations are applied once.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fechatter.db")
	ctx := t.Context()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Several processes' worth of concurrent opens of an existing file.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := sqlite.Open(ctx, path, sqlite.Options{})
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			if err := db.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	db2 := openAt(t, path, sqlite.Options{})
	if got, err := db2.User(ctx, u.ID); err != nil || got.Email != u.Email {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	var mode string
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != migrationFiles(t) {
		t.Fatalf("schema_migrations has %d rows (err %v), want one per migration file", n, err)
	}
	if err := raw.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (err %v), want wal", mode, err)
	}
}

func BenchmarkSend(b *testing.B) {
	storetest.BenchSend(b, open(b, sqlite.Options{}))
}

// BenchmarkSendBatch compares the durability settings under group commit: FULL syncs the WAL
// at every commit, NORMAL only at checkpoints.
func BenchmarkSendBatch(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, size := range []int{1, 16, 256} {
			b.Run(fmt.Sprintf("synchronous=%s/batch=%d", sync, size), func(b *testing.B) {
				storetest.BenchSendBatch(b, open(b, sqlite.Options{Synchronous: sync}), size)
			})
		}
	}
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
