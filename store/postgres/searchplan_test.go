package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchPlansAgree requires the plan the store chooses and the plan with the words driving to
// return the same hits in the same order.
func TestSearchPlansAgree(t *testing.T) {
	requirePG(t)
	storetest.PlansAgree(t, open(t, postgres.Options{}), postgres.ForceWordsDrive)
}

// TestSearchPlansAgreeAcrossBlocks does the same with message ids 20,000 apart, so the hits
// spread over dozens of the id blocks a search widens through (migration 0011): several steps,
// each with its own blocks, then everything older.
func TestSearchPlansAgreeAcrossBlocks(t *testing.T) {
	requirePG(t)
	url := createDB(t)
	db := openURL(t, url, postgres.Options{})
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), `ALTER TABLE messages ALTER COLUMN id SET INCREMENT BY 20000`); err != nil {
		t.Fatal(err)
	}
	storetest.PlansAgree(t, db, postgres.ForceWordsDrive)
}
