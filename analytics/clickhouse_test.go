package analytics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	uuid_ "github.com/google/uuid"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/analytics"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

func openClickHouse(t testing.TB) *analytics.ClickHouse {
	t.Helper()
	ch, err := analytics.OpenClickHouse(t.Context(), ft.ClickHouseURL(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

func event(kind fechatter.UsageKind, ws, user int64) fechatter.UsageEvent {
	return fechatter.UsageEvent{ID: uuid_.NewString(), Kind: kind, At: time.Now().UTC().Truncate(time.Millisecond),
		Source: fechatter.SourceServer, WorkspaceID: ws, UserID: user, ChatID: 7, Size: 5, DurationMs: 3}
}

func count(t *testing.T, ch *analytics.ClickHouse, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	row := ch.Conn().QueryRow(context.Background(), fmt.Sprintf(query, ch.Database()), args...)
	if err := row.Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Migrations apply once (a second open changes nothing), a retried insert with the same
// token counts once in the table and in the rollups, Stored finds what is in, and
// ForgetUser erases one user's events only.
func TestClickHouseSchema(t *testing.T) {
	ctx := t.Context()
	url := ft.ClickHouseURL(t)
	ch, err := analytics.OpenClickHouse(ctx, url, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	again, err := analytics.OpenClickHouse(ctx, url, 30*24*time.Hour)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	again.Close()
	if n := count(t, ch, "SELECT count() FROM %s.schema_migrations"); n != 1 {
		t.Fatalf("%d migrations recorded, want 1", n)
	}
	var engine string
	if err := ch.Conn().QueryRow(ctx, "SELECT engine_full FROM system.tables WHERE database = ? AND name = 'events'", ch.Database()).Scan(&engine); err != nil {
		t.Fatal(err)
	}
	if want := "toIntervalSecond(2592000)"; !strings.Contains(engine, want) {
		t.Fatalf("events engine %q lacks the 30-day retention %s", engine, want)
	}

	batch := []fechatter.UsageEvent{event(fechatter.UsageMessageSent, 1, 10), event(fechatter.UsageMessageSent, 1, 11), event(fechatter.UsageLogin, 1, 10)}
	for range 2 {
		if err := ch.Insert(ctx, batch, "tok-1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, ch, "SELECT count() FROM %s.events"); n != 3 {
		t.Fatalf("events = %d after a retried insert, want 3", n)
	}
	if n := count(t, ch, "SELECT sum(events) FROM %s.events_hourly"); n != 3 {
		t.Fatalf("hourly rollup = %d, want 3", n)
	}
	if n := count(t, ch, "SELECT sum(messages) FROM %s.chat_hourly"); n != 2 {
		t.Fatalf("chat rollup = %d, want 2", n)
	}
	other := event(fechatter.UsageLogin, 1, 12)
	have, err := ch.Stored(ctx, append([]fechatter.UsageEvent{other}, batch...))
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != 3 || have[other.ID] {
		t.Fatalf("Stored = %v, want the 3 inserted only", have)
	}

	if err := ch.ForgetUser(ctx, 1, 10); err != nil {
		t.Fatal(err)
	}
	if n := count(t, ch, "SELECT count() FROM %s.events WHERE user_id = 10"); n != 0 {
		t.Fatalf("%d events of a forgotten user remain", n)
	}
	if n := count(t, ch, "SELECT count() FROM %s.events WHERE user_id = 11"); n != 1 {
		t.Fatalf("another user's events = %d, want 1", n)
	}
}

func uuid() string { return uuid_.NewString() }
