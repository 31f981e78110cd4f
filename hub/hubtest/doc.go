// Package hubtest has an in-memory broker for hub tests: hubs attached to brokers of one
// network behave as nodes sharing NATS, and a test can make one node's broker refuse
// publishes, refuse subscriptions, or lose deliveries, as a NATS outage or a slow-consumer drop
// would, without running NATS.
//
// hubtest imports only the domain package; hub's own tests (package hub) use it, so it must
// never import hub.
package hubtest
