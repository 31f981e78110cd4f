package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/store/postgres"
)

// Analyze leaves the planner statistics of the tables a seed fills (autovacuum may be off):
// without them a connect's chat list sorted every chat of the workspace. It leaves the
// timeline tables unanalyzed: analyzed empty, they would be planned as empty while they grow.
func TestAnalyzeGivesThePlannerStatistics(t *testing.T) {
	requirePG(t)
	dbURL := createDB(t)
	db := openURL(t, dbURL, postgres.Options{})
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	analyzed := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables
			WHERE relname IN ('members', 'chats', 'users') AND last_analyze IS NOT NULL`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := analyzed(); n != 0 {
		t.Fatalf("%d tables analyzed before Analyze", n)
	}
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	if n := analyzed(); n != 3 {
		t.Fatalf("%d of members, chats, users analyzed after Analyze; want 3", n)
	}
	var timeline int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_user_tables
		WHERE relname IN ('messages', 'events', 'mentions') AND last_analyze IS NOT NULL`).Scan(&timeline); err != nil {
		t.Fatal(err)
	}
	if timeline != 0 {
		t.Fatalf("%d timeline tables analyzed; want none", timeline)
	}
}
