// Package fechattertest boots the real node wiring on 127.0.0.1:0 with a temporary data dir,
// for end-to-end tests of the hub, the REST API and the load generator, and gives them small
// clients: a REST caller and a WebSocket client that splits batched frames into events.
//
// Engines: SQLite and embedded NATS by default; Options.Postgres makes a fresh database on the
// PostgreSQL at FECHATTER_TEST_PG (default 127.0.0.1:5432) and drops it after the test;
// Options.NATSURL uses an external NATS. With CI=true a missing engine fails the test.
package fechattertest
