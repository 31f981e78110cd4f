package hub

import (
	"encoding/binary"
	"net"
	"sync"
)

// The hub writes its own data frames. coder/websocket still does the handshake, the reads,
// the pongs and the close handshake, but a frame written through its Conn.Write takes two
// channel-based locks, a check of its close state and a copy into its buffer before the
// write(2); in a big room that was a quarter of the fan-out's CPU, once per member. A server
// frame is a header of 2, 4 or 10 bytes before the payload, unmasked (RFC 6455 §5.2), so the
// writer builds header and payload in one buffer and writes it under one mutex.

// controlBuffer is the write buffer coder/websocket gets: it only ever writes control frames
// (a pong, a close), whose payload is at most 125 bytes, so each fits and goes out whole in
// the one Write of the buffer's flush. A data frame of the library's own would not: none is
// written (wsTransport.write is the only data path).
const controlBuffer = 2 + 125

const (
	opText  = 0x1
	opClose = 0x8
	finBit  = 0x80
)

// frameConn is a hijacked WebSocket connection with one lock over what is written to it: the
// library's control frames come through Write, the hub's data frames through writeFrame, and
// neither interleaves with the other. After a close frame (the hub's or the library's answer
// to the client's) no data frame goes out. Close is the connection's own, taken without the
// lock, so closing it ends a write that is stuck on a reader that stopped reading.
type frameConn struct {
	net.Conn

	mu     sync.Mutex
	closed bool // a close frame went out
}

// Write writes one whole control frame of coder/websocket's (see controlBuffer).
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(p) > 0 && p[0]&0x0f == opClose {
		c.closed = true
	}
	return c.Conn.Write(p)
}

// writeFrame writes frame, built by appendTextFrame, in one write.
func (c *frameConn) writeFrame(frame []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	_, err := c.Conn.Write(frame)
	return err
}

// appendTextFrame appends a final, unmasked text frame holding events joined by '\n'.
func appendTextFrame(b []byte, events [][]byte) []byte {
	n := len(events) - 1
	for _, e := range events {
		n += len(e)
	}
	switch {
	case n <= 125:
		b = append(b, finBit|opText, byte(n))
	case n <= 0xffff:
		b = append(b, finBit|opText, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, finBit|opText, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	for i, e := range events {
		if i > 0 {
			b = append(b, '\n')
		}
		b = append(b, e...)
	}
	return b
}
