// Package analytics owns product analytics: the pipeline that carries usage events
// (fechatter.UsageEvent) from where they happen to ClickHouse, the ClickHouse schema and its
// rollups, and the admin stats in both of their modes.
//
//   - Emitter takes events from the hub and the REST API without ever blocking them: a
//     bounded buffer that drops (and counts) under overload, drained by one goroutine that
//     publishes each event to a JetStream stream, with its event id as the message id.
//   - Consumer reads the stream with a durable pull consumer shared by every node, writes
//     batches to ClickHouse and acknowledges them only after the insert succeeded. A batch
//     retried after a failure carries the same insert_deduplication_token (its stream
//     sequence range); an event delivered again after a lost ack is looked up by event_id
//     and skipped when it is stored. Exactly-once counts in the table and in the rollups.
//   - ClickHouse is the schema (migrations/, applied in order at start), inserts, erasure of
//     a user's events and the queries of the stats.
//   - Reduced and ClickHouseStats answer GET /admin/stats: from the store and this node
//     when there is no ClickHouse, from the rollups when there is. analytics/statstest is
//     the conformance suite both pass.
//
// Without CLICKHOUSE_URL no stream is created and nothing is published: events are only
// counted in Prometheus (fechatter_usage_events_total).
//
// analytics imports the domain package, nats.go, clickhouse-go and prometheus. It must never
// import hub, rest, a concrete store or internal/node.
package analytics
