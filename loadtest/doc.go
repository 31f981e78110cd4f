// Package loadtest drives a running Fechatter node the way real clients do, and measures it.
//
// It owns the scenarios (idle, room, send, churn, overload), the open-loop publisher, the final
// resume-and-audit that tells late from lost, the log-linear latency histogram and its 10 s
// series, the JSON result and its merging across processes, the server cost read from /proc
// and the PNG plot. The command is
// loadtest/cmd/fechatter-load; loadtest/README.md says how to run it.
//
// It talks to the server only over the wire (WebSocket) plus the seed file; it must never
// import hub, rest or internal/node, so that it measures the product as a client sees it.
// Seeding, which writes through a fechatter.Store, and the seed file are loadtest/seed's: the
// server binary links that for `fechatter seed` without linking this package.
package loadtest
