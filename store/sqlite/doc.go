// Package sqlite is the single-node fechatter.Store on an SQLite file, through the pure Go
// driver modernc.org/sqlite (no cgo).
//
// It owns the SQLite schema (the embedded migrations/*.sql, applied in order at Open and
// recorded in schema_migrations) and every SQL statement run against it. All writes go through
// one connection and BEGIN IMMEDIATE transactions, so they are serialised in process; reads
// use a separate pool of query-only connections, which WAL lets run beside the writer. Times
// are stored as INTEGER microseconds since the Unix epoch and read back in UTC.
//
// It imports the domain package (github.com/fechatter/fechatter), the standard library, the
// driver and package search for its word rule alone (search.Words, to rank a search's window:
// searchrank.go). It must never import the hub, rest or fanout packages, nor another store.
package sqlite
