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

// BenchmarkConnectQueries compares a connect's two queries as they run now (prepared once per
// read connection, no transaction around one statement) with how they ran before (a read
// transaction each, the statement parsed on every call):
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
			_ = db.view(ctx, func(tx *sql.Tx) error {
				_, err := chatsForUser(tx.QueryContext(ctx, sqlChatsForUser, 1))
				return err
			})
		}
	})
}
