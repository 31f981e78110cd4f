package fechattertest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATSServer is a private NATS server on a TCP port of 127.0.0.1 that a test can stop and
// start again on the same port, to exercise outages.
type NATSServer struct {
	t    testing.TB
	opts server.Options
	srv  *server.Server
	URL  string
}

// StartNATSServer runs a NATS server with JetStream for the test.
func StartNATSServer(t testing.TB) *NATSServer {
	t.Helper()
	n := &NATSServer{t: t, opts: server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true,
	}}
	n.Start()
	n.opts.Port = n.srv.Addr().(*net.TCPAddr).Port
	n.URL = n.srv.ClientURL()
	t.Cleanup(n.Stop)
	return n
}

// Start (re)starts the server on its port.
func (n *NATSServer) Start() {
	n.t.Helper()
	opts := n.opts
	srv, err := server.NewServer(&opts)
	if err != nil {
		n.t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		n.t.Fatalf("nats server not ready")
	}
	n.srv = srv
}

// Stop shuts the server down.
func (n *NATSServer) Stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}
