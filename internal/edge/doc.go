// Package edge holds the rules the node's net/http edge applies before any handler runs: the
// /api request body (a size cap enforced while reading it, and a JSON answer when the body
// misses the server's read deadline, so Fiber only ever sees a complete body within the
// limit), CORS from the allowed Origin patterns (the same list and the same matching as the
// WebSocket handshake), and the headers every API response carries. Its own refusals use the
// REST error envelope {"error":{"code","message"}}.
//
// edge imports only the root package (for error codes); internal/node mounts it in front of
// the Fiber adaptor, the SSE stream and, later, any route that streams its own body.
package edge
