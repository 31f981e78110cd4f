// Package fanout is the NATS bridge between hub nodes: the subject layout, interest-based
// subscriptions (a node subscribes to a chat only while it has local members in it), and the
// NATS server embedded in-process for the zero-setup mode.
//
// Embedded or external, there is one code path: a *nats.Conn. Messages carry the exact bytes
// clients receive, encoded once by the publishing node, plus headers with the routing facts.
//
// The Bridge is the production implementation of the hub's Broker: hub declares what it needs
// and never imports this package or nats.go; the node hands the bridge the hub as its Handler.
// fanout imports the domain package (for fechatter.UserEvent) and must never import hub, rest
// or a store.
package fanout
