// Package rest is the HTTP API under /api/v1, a Fiber app: auth, the workspace directory,
// chats and members, history, and admin. It answers every error with the envelope
// {"error":{"code","message"}} and a matching status.
//
// rest must never import hub, fanout or a concrete store: it declares what it needs
// (fechatter.Store, a Notifier) and cmd/fechatter wires the rest.
package rest
