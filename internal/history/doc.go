// Package history records what many chat clients did and saw while faults were injected, and
// checks the record against Fechatter's delivery guarantees afterwards, in the way Jepsen-style
// testers do: the clients only write down operations (sends, acks, received events, resumes),
// and Check reads the whole history at the end.
//
// It owns the operation log (Recorder, Op), the checker (Check, Verdict) and a recording
// WebSocket client (Client) that reconnects with resume and retries unacknowledged sends with
// their client_id. The fault tests that drive real fechatter processes live in its tests.
//
// It talks to the server only over the wire; it must never import hub, rest, store or
// internal/node.
package history
