//go:build linux

package node

import (
	"net"
	"syscall"
	"testing"
)

// Every accepted connection gets the configured SO_SNDBUF (Linux reports twice the value set:
// the kernel doubles it for its own bookkeeping).
func TestSendBufferListenerSetsSOSNDBUF(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := sendBufferListener{Listener: raw, size: 16384}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := sndbuf(t, conn); got != 2*16384 {
		t.Fatalf("SO_SNDBUF = %d, want %d", got, 2*16384)
	}
}

func sndbuf(t *testing.T, c net.Conn) int {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var serr error
	if err := rc.Control(func(fd uintptr) { v, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF) }); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return v
}
