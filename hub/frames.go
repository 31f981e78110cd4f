package hub

import (
	"encoding/binary"
	"net"
	"sync"
	"syscall"
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
	fd syscall.RawConn // the socket, for tryFrame's non-blocking write (nil: not a socket)

	mu     sync.Mutex
	closed bool // a close frame went out
}

func newFrameConn(conn net.Conn) *frameConn {
	c := &frameConn{Conn: conn}
	if sc, ok := conn.(syscall.Conn); ok {
		c.fd, _ = sc.SyscallConn()
	}
	return c
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

// tryFrame writes as much of frame as the socket takes without blocking. It returns nil when
// all of it went out, or else rest, which writes the remainder (blocking) and must be called:
// the lock stays held until rest is done, so nothing interleaves with the frame's tail. When
// the lock is busy (a control frame, or an earlier frame still being written) nothing is
// written and rest writes the whole frame.
func (c *frameConn) tryFrame(frame []byte) (rest func() error, err error) {
	if c.fd == nil || !c.mu.TryLock() {
		return func() error { return c.writeFrame(frame) }, nil
	}
	if c.closed {
		c.mu.Unlock()
		return nil, net.ErrClosed
	}
	n := 0
	var werr error
	err = c.fd.Write(func(fd uintptr) bool {
		for n < len(frame) {
			m, e := syscall.Write(int(fd), frame[n:])
			if e == syscall.EINTR {
				continue
			}
			if e != nil || m <= 0 {
				if e != syscall.EAGAIN {
					werr = e
				}
				break
			}
			n += m
		}
		return true // never wait for the socket here: rest does
	})
	if err == nil {
		err = werr
	}
	if err != nil || n == len(frame) {
		c.mu.Unlock()
		return nil, err
	}
	return func() error {
		defer c.mu.Unlock()
		_, err := c.Conn.Write(frame[n:])
		return err
	}, nil
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
