// Package meili is the Meilisearch backend of message search: an Index that applies its
// settings at start, answers searches (search.Backend) and takes documents; an Indexer that
// feeds it from a NATS JetStream durable consumer over the chat subjects, so neither a
// restart of Fechatter nor an outage of Meilisearch loses an update; and Reindex, which
// rebuilds the index from the store, resumably.
//
// The indexer treats an event as a notice that a message changed and reads the message as it
// is now from the store before writing it, so redelivered or reordered events converge on
// the truth: a deleted message is removed, an edited one rewritten.
//
// meili imports the domain package, search (for its types), meilisearch-go, nats.go and
// prometheus. It must never import rest, hub, a concrete store or internal/node.
package meili
