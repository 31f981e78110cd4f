package hub

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// readBuffer is the size of a WebSocket connection's read buffer. Clients send little (frames
// of a few hundred bytes, pings), and a read larger than the buffer goes straight into the
// frame's own slice, so a small buffer costs no extra syscall on the hot path; net/http's
// 4 KB one would stay allocated for as long as the socket is open.
const readBuffer = 512

// hijacker hands coder/websocket the hijacked connection with a read buffer of readBuffer
// bytes instead of net/http's, which it would otherwise keep for the connection's life, and a
// write buffer only large enough for a control frame (controlBuffer) instead of net/http's
// 4 KB: the hub writes its data frames itself, through conn (frames.go).
type hijacker struct {
	http.ResponseWriter
	conn *frameConn // set by Hijack
}

func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, readBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// The client wrote past its handshake already. coder/websocket takes what the reader
		// it is given holds buffered and reads the connection after it, so those bytes must
		// be in the new reader's buffer, not behind it.
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn), max(readBuffer, n))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	w.conn = &frameConn{Conn: conn}
	return w.conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.conn, controlBuffer)), nil
}

// Unwrap lets http.ResponseController reach the server's ResponseWriter.
func (w *hijacker) Unwrap() http.ResponseWriter { return w.ResponseWriter }
