// Package search owns message search: the query language users type (from:@alice,
// in:#general, before:, after:, on:, "exact phrase", -excluded, prefix on the last word), its
// parsing into a fechatter.MessageSearch, permissions, signed cursors, highlighted snippets,
// and the Service the REST API calls.
//
// The Service asks a Backend for hits. The built-in backend is the store itself
// (fechatter.Store.SearchMessages: SQLite FTS5 or PostgreSQL full text); search/meili adapts
// Meilisearch and feeds it from a NATS JetStream stream. Whatever the backend, the Service
// decides which chats the caller may read from the store, right now, passes only those, and
// drops any hit outside them: no index is trusted to enforce membership alone.
//
// search imports the domain package and the standard library (plus golang.org/x/text for
// diacritic folding). It must never import rest, hub, fanout, a concrete store, or its own
// backends (search/meili): they import it.
package search
