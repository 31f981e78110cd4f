package fanout

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Embedded is a NATS server running inside this process, used when no NATS_URL is configured.
// It does not listen on any port: connections are made in-process.
type Embedded struct {
	srv *server.Server
}

// embeddedWriteDeadline is how long the embedded server waits on a write to this node's own
// connection before it counts it as slow.
const embeddedWriteDeadline = time.Minute

// StartEmbedded starts an in-process NATS server with JetStream stored under dataDir/nats.
func StartEmbedded(dataDir string) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "fechatter-embedded",
		DontListen: true,
		JetStream:  true,
		StoreDir:   filepath.Join(dataDir, "nats"),
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 1 << 20,
		// The only clients are this process's own connections, over an in-process pipe that
		// has no buffer: a node too busy to read for a moment must not be cut off as a slow
		// consumer (a reconnect resubscribes every chat and replays gaps from the store, which
		// is the last thing a saturated node needs). Give it a minute and 256 MiB, and on a
		// write timeout try again instead of closing.
		WriteDeadline: embeddedWriteDeadline,
		WriteTimeout:  server.WriteTimeoutPolicyRetry,
		MaxPending:    256 << 20,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded nats: not ready after 10s")
	}
	return &Embedded{srv: srv}, nil
}

// Connect opens an in-process client connection to the embedded server.
func (e *Embedded) Connect(opts ...nats.Option) (*nats.Conn, error) {
	opts = append(opts, nats.InProcessServer(e.srv))
	return nats.Connect("", opts...)
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
