// Package node wires one Fechatter hub node: it opens the store, connects (or embeds) NATS,
// builds the hub, the REST API and the edge HTTP server that serves them on one port.
//
// cmd/fechatter turns flags and environment into a Config; internal/fechattertest boots the
// same wiring on 127.0.0.1:0 for end-to-end tests. Nothing else imports node.
package node
