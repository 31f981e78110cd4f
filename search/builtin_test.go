package search_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/search/searchtest"
	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/sqlite"
)

// The built-in backend is the store itself.

func TestBuiltinSQLite(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) searchtest.Harness {
		db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return searchtest.Harness{Store: db, Backend: db}
	})
}

func TestBuiltinPostgres(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) searchtest.Harness {
		url := ft.CreateDatabase(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return searchtest.Harness{Store: db, Backend: db}
	})
}
