// Package fanout is the NATS bridge between hub nodes: the subject layout, interest-based
// subscriptions (a node subscribes to a chat only while it has local members in it), and the
// NATS server embedded in-process for the zero-setup mode.
//
// Embedded or external, there is one code path: a *nats.Conn. Messages carry the exact bytes
// clients receive, encoded once by the publishing node, plus headers with the routing facts.
//
// fanout must never import hub, rest or a store; the hub hands it a Handler.
package fanout
