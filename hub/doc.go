// Package hub owns live connections: sharded rooms keyed by chat ID, the socket protocol, the
// WebSocket transport, the per-connection writer with its slow-consumer rule, and resume.
//
// A timeline event reaches a connection by one of two roads that meet in the connection's
// per-chat cursor: live, from the broker, or replayed from the store when the cursor
// sees a gap (resume, a chat just joined, a message the broker dropped). The cursor only lets
// through seq = cursor+1, so each event is delivered once and in order whichever road it took.
//
// The WebSocket's data frames are written by the hub itself (frames.go), each in one write(2);
// coder/websocket does the handshake, the reads, the pongs and the close handshake.
//
// Lock order (take the left one first, never the reverse):
//
//	shard.mu → Client.mu → writer.mu
//
// hub must never import rest, a concrete store or a transport between nodes (fanout, nats.go);
// it declares the small interfaces it needs (Store, Broker, Presence, ...).
package hub
