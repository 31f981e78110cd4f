package loadtest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindNoPort makes a dial from a chosen source address leave the port to connect(2)
// (IP_BIND_ADDRESS_NO_PORT). Without it bind(2) picks the ephemeral port alone, walking the
// bound ports of that address for one free for any destination: with 10,000s of sockets
// that walk was most of the generator's CPU, and the kernel's bind hash lock serialised it.
func bindNoPort(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
