// Package push owns the push hook: when a new message mentions a user, or is a direct
// message to them, and they have no open connection on any node, it POSTs an ID-only notice
// (never the message text) to an operator's push proxy (FECHATTER_PUSH_URL), which delivers
// it through APNs or FCM.
//
// Each notice is signed with HMAC-SHA256 over "<unix time>.<body>" under a shared secret
// (header Fechatter-Signature: t=<unix>,v1=<hex>), so the receiver can check who sent it and
// refuse replays older than a few minutes (Verify does both). Deliveries are queued in a
// bounded queue and never block the caller: a full queue drops the notice and counts it. A
// delivery that gets a 5xx, a 429, a timeout or a network error is retried with exponential
// backoff and jitter, re-signed each time with the same Fechatter-Delivery id so the receiver
// can drop duplicates; any other 4xx is final.
//
// Who is asked to push: the members a message mentions by name (<@ID>) and, in a direct
// chat, the other member, never the sender, only when presence says they are offline
// everywhere, and only when fechatter.Preferences.Notifies says the message notifies them.
// The hub calls Hook.Message on the node that committed the send only, so a cluster sends
// each notice once.
//
// push imports the root package and internal/logsum (which imports nothing of the project),
// no other fechatter package; it declares the small store and presence interfaces it needs.
package push
