// Command peer-load drives a Centrifugo server (the peer issue 12 measures Fechatter against)
// with the room scenarios of loadtest/bench.sh, so that the two servers are measured back to
// back on the same machine with the same shape of load: users connect with a JWT whose
// channels claim subscribes them to their room (one round trip, like Fechatter's ready frame),
// a member publishes into the room over its own socket, and every member's socket gets the
// publication. It reports what fechatter-load reports for those rows: connects per second,
// RSS per connection, server CPU per delivery (from /proc of -server-pid) and the delivery
// latency from the publish to each member's read.
//
// It speaks Centrifugo's JSON protocol over WebSocket (connect, publish, push, ping/pong) and
// nothing else: it is a measuring tool, not a client library. loadtest/peer.sh builds the peer
// and runs it. It never imports Fechatter's packages except loadtest's histogram and /proc
// reader, so both generators count the same way.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err == nil {
		err = run(ctx, cfg, os.Stdout)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "peer-load:", err)
		}
		os.Exit(1)
	}
}

// config is one run: which rows of users, rooms and rates.
type config struct {
	url       string
	secret    string
	scenario  string // idle or room
	users     int
	rooms     int
	members   int // per room; users are split into rooms in order
	rate      float64
	duration  time.Duration
	textSize  int
	serverPID int
	workers   int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("peer-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.url, "url", "ws://127.0.0.1:18000/connection/websocket", "the peer's WebSocket endpoint")
	fs.StringVar(&c.secret, "secret", os.Getenv("PEER_SECRET"), "the peer's HMAC token secret (env PEER_SECRET)")
	fs.StringVar(&c.scenario, "scenario", "room", "idle (connect and hold) or room (publish into rooms)")
	fs.IntVar(&c.users, "users", 1000, "connections, one user each")
	fs.IntVar(&c.members, "members", 1000, "members per room (users are split into rooms in order)")
	fs.Float64Var(&c.rate, "rate", 10, "publications per second over all rooms")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to publish")
	fs.IntVar(&c.textSize, "text-size", 64, "bytes of text per publication")
	fs.IntVar(&c.serverPID, "server-pid", 0, "the peer's PID, for CPU and RSS from /proc")
	fs.IntVar(&c.workers, "workers", 64, "concurrent dials")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.secret == "" {
		return c, errors.New("-secret (or PEER_SECRET) is required")
	}
	if c.scenario != "idle" && c.scenario != "room" {
		return c, fmt.Errorf("unknown -scenario %q", c.scenario)
	}
	if c.users <= 0 || c.members <= 0 || c.rate <= 0 {
		return c, errors.New("-users, -members and -rate must be positive")
	}
	c.rooms = (c.users + c.members - 1) / c.members
	return c, nil
}
