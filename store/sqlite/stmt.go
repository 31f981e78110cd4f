package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// stmtCache keeps the hot paths' statements prepared: SQLite spends more time parsing a short
// statement than running it, and database/sql prepares nothing by itself. A send's statements
// are prepared on the write connection once at Open, before any transaction holds the only
// write connection (preparing later would wait for that connection forever). A connect's
// (the user's session, the chat list: one statement each, run outside a transaction) are
// prepared on the read pool: each read connection prepares them the first time it runs them,
// and keeps them (the pool never closes idle connections). Parsing them, and a BEGIN and
// COMMIT around each, were a third of a connect's CPU.
type stmtCache struct {
	m map[string]*sql.Stmt
}

func newStmtCache(ctx context.Context, db *sql.DB, queries ...string) (*stmtCache, error) {
	c := &stmtCache{m: make(map[string]*sql.Stmt, len(queries))}
	for _, q := range queries {
		s, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		c.m[q] = s
	}
	return c, nil
}

func (c *stmtCache) close() {
	for _, s := range c.m {
		s.Close()
	}
	c.m = nil
}

type stmtKey struct{}

// stmt returns the statement prepared for query, which must be one of the cache's.
func (c *stmtCache) stmt(query string) *sql.Stmt { return c.m[query] }

// withStmts lets the helpers below find the DB's statements; only contexts of write
// transactions may carry it (the statements belong to the write connection).
func withStmts(ctx context.Context, c *stmtCache) context.Context {
	return context.WithValue(ctx, stmtKey{}, c)
}

// prepared returns query as a statement of tx, from the cache when ctx carries one.
func prepared(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	c, _ := ctx.Value(stmtKey{}).(*stmtCache)
	if c == nil {
		return nil
	}
	s, ok := c.m[query] // read-only after Open
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, s)
}

// queryRow is tx.QueryRowContext through the statement cache.
func queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s := prepared(ctx, tx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// query is tx.QueryContext through the statement cache.
func query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if s := prepared(ctx, tx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// exec is tx.ExecContext through the statement cache.
func exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s := prepared(ctx, tx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// sqlRoleIn, completed by the user's id, is the role in chat c of that user as a writer: a
// member whose account is not disabled (none otherwise).
const sqlRoleIn = `SELECT m.role FROM members m JOIN users u ON u.id = m.user_id AND u.disabled = 0
	WHERE m.chat_id = c.id AND m.user_id = `

// The write paths' hottest statements (a batch's are in batchsql.go), prepared at Open.
const (
	condClientID   = `m.sender_id = ? AND m.client_id = ?`
	sqlAccess      = `SELECT c.archived, coalesce((` + sqlRoleIn + `?), '') FROM chats c WHERE c.id = ?`
	sqlNextSeq     = `UPDATE chats SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq`
	sqlInsertEvent = `INSERT INTO events (chat_id, seq, kind, message_id, created_at) VALUES (?, ?, ?, ?, ?)`
)

func hotStatements() []string {
	return append([]string{`SELECT ` + msgCols + ` FROM messages m WHERE ` + condClientID, sqlAccess, sqlNextSeq, sqlInsertEvent},
		batchStatements()...)
}

// The statements of a connect, prepared on the read pool.
const (
	sqlUserSession = `SELECT ` + userCols + `, EXISTS (SELECT 1 FROM refresh_tokens
			WHERE family_id = ? AND user_id = users.id AND revoked_at IS NULL) FROM users WHERE id = ?`
	sqlChatsForUser = `SELECT ` + chatCols + `, m.role, m.last_read_seq,
			(SELECT count(*) FROM messages x
			 WHERE x.chat_id = c.id AND x.seq > m.last_read_seq AND x.sender_id <> m.user_id AND x.deleted = 0)
			,(SELECT count(*) FROM mentions y WHERE y.user_id = m.user_id AND y.chat_id = c.id AND y.seq > m.last_read_seq)
		FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ?
		ORDER BY c.id`
)

func connectStatements() []string { return []string{sqlUserSession, sqlChatsForUser} }
