// Package postgres is the fechatter.Store on PostgreSQL, through a pgx connection pool; several
// nodes may share one database.
//
// It owns the PostgreSQL schema (the embedded migrations/*.sql, applied in order at Open under
// an advisory lock, each in its own transaction, and recorded in schema_migrations) and every
// SQL statement run against it. A chat's timeline is serialised by the chat row's lock: Send,
// Edit and Delete take the next seq with UPDATE chats ... RETURNING last_seq inside their
// transaction, so seqs are gap-free and in commit order.
//
// It imports the domain package (github.com/fechatter/fechatter), the standard library and
// pgx. It must never import the hub, rest or fanout packages, nor another store.
package postgres
