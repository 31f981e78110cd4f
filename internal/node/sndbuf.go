package node

import "net"

// sendBufferListener sets SO_SNDBUF on every connection it accepts. Left to itself, Linux
// grows a socket's send buffer up to 4 MiB (net.ipv4.tcp_wmem), so a client that stops
// reading can hold megabytes in the kernel before the hub's writer sees a write block; a fixed
// buffer bounds that memory and lets the writer's stall rule (WriteTimeout) notice the client
// soon after it stops.
type sendBufferListener struct {
	net.Listener
	size int
}

func (l sendBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok && err == nil {
		_ = tc.SetWriteBuffer(l.size) // best effort: the connection works either way
	}
	return c, err
}
