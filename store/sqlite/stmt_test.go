package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func openTemp(tb testing.TB) *DB {
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "f.db"), Options{ReadConns: 1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// A read transaction whose context carries the read cache runs the connect's queries as
// statements prepared once; the send's statements belong to the write connection and are not
// offered to it.
func TestReadTransactionsFindTheConnectStatements(t *testing.T) {
	db := openTemp(t)
	ctx := withStmts(context.Background(), db.readStmts)
	err := db.view(ctx, func(tx *sql.Tx) error {
		for _, q := range connectStatements() {
			if prepared(ctx, tx, q) == nil {
				t.Errorf("not prepared: %.60s…", q)
			}
		}
		if prepared(ctx, tx, sqlNextSeq) != nil {
			t.Error("a write statement offered to a read transaction")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ChatsForUser(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkConnectQueries compares a connect's two queries prepared once (what a connect
// runs) with the same queries parsed on every call (what it ran before):
//
//	go test -run '^$' -bench ConnectQueries ./store/sqlite/
func BenchmarkConnectQueries(b *testing.B) {
	db := openTemp(b)
	ctx := context.Background()
	b.Run("prepared", func(b *testing.B) {
		for b.Loop() {
			_, _ = db.UserSession(ctx, 1, "s")
			_, _ = db.ChatsForUser(ctx, 1)
		}
	})
	b.Run("parsed", func(b *testing.B) {
		for b.Loop() {
			_ = db.view(ctx, func(tx *sql.Tx) error {
				_, err := scanUser(tx.QueryRowContext(ctx, sqlUserSession, "s", 1), new(bool))
				return err
			})
			_ = db.view(ctx, func(tx *sql.Tx) error { _, err := chatsForUser(ctx, tx, 1); return err })
		}
	})
}
