// Command fechatter-load drives a running Fechatter node with the scenarios of package
// loadtest (idle, room, send, churn) and reports what it measured; `plot` draws results.
// See loadtest/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/fechatter/fechatter/loadtest"
	"github.com/fechatter/fechatter/loadtest/seed"
)

func main() {
	m := &Main{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fechatter-load:", err)
		}
		os.Exit(1)
	}
}

// Main is the program: flags, then one run (single process, parent of -procs children, or
// one child), or the plot subcommand.
type Main struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	cfg       loadtest.Config
	seedPath  string
	sources   string
	mix       string
	serverPID int
	capacity  float64
	factor    float64
	jsonOut   string
	child     bool
	logLevel  string
	fs        *flag.FlagSet
}

const usage = `fechatter-load — load generator for Fechatter

Usage:
  fechatter-load -scenario idle|room|send|churn -seed seed.json [flags]
  fechatter-load -scenario overload -capacity N -factor 1.5 -seed seed.json [flags]
  fechatter-load plot -o chart.png -x rate|members|conns result.json...

Seed first with "fechatter seed" (same FECHATTER_DATA_DIR / DATABASE_URL / FECHATTER_JWT_SECRET
as the server). Flags:
`

// Run parses args and runs.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "plot" {
		return runPlot(args[1:], m.stderr)
	}
	if err := m.parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(m.logLevel)); err != nil {
		return err
	}
	m.cfg.Logger = slog.New(slog.NewJSONHandler(m.stderr, &slog.HandlerOptions{Level: level})).
		With("shard", m.cfg.Shard)
	f, err := seed.ReadFile(m.seedPath)
	if err != nil {
		return err
	}
	m.cfg.Seed = f
	if m.cfg.Mix, err = loadtest.ParseMix(m.mix); err != nil {
		return err
	}
	if m.cfg.Sources, err = parseSources(m.sources); err != nil {
		return err
	}
	if m.child {
		return m.runChild(ctx)
	}
	var res *loadtest.Result
	if m.cfg.Procs > 1 {
		res, err = m.runParent(ctx)
	} else {
		m.cfg.Progress, m.cfg.Terminal = m.stderr, isTerminal(m.stderr)
		if m.serverPID > 0 {
			m.cfg.Probe = &loadtest.CostProbe{PID: m.serverPID}
		}
		res, err = loadtest.Run(ctx, m.cfg)
	}
	if err != nil {
		return err
	}
	return m.report(res)
}

func (m *Main) parse(args []string) error {
	c := &m.cfg
	fs := flag.NewFlagSet("fechatter-load", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	fs.Usage = func() { fmt.Fprint(m.stderr, usage); fs.PrintDefaults() }
	fs.StringVar(&c.Scenario, "scenario", "room", "idle, room, send, churn or overload")
	fs.Float64Var(&m.capacity, "capacity", 0, "overload: the sends per second the node sustains (measured with -scenario room); the rate is capacity × factor")
	fs.Float64Var(&m.factor, "factor", 1.5, "overload: how many times the capacity to offer")
	fs.StringVar(&c.Label, "label", "", "free text recorded in the result (e.g. sqlite, postgres)")
	fs.StringVar(&c.URL, "url", "ws://127.0.0.1:8080/ws", "WebSocket URL of the node, or several nodes' separated by commas (connection k starts on node k mod n, moves on when a dial fails)")
	fs.StringVar(&m.seedPath, "seed", "seed.json", "seed file written by `fechatter seed`")
	fs.IntVar(&c.Conns, "conns", 0, "connect seed users 0..conns-1 (default: all)")
	fs.IntVar(&c.ConnectWorkers, "connect-workers", 128, "dials in flight at once")
	fs.StringVar(&m.sources, "sources", "", "local source addresses: a count N (127.0.0.2…127.0.0.N+1) or a comma list")
	fs.Float64Var(&c.Rate, "rate", 100, "scheduled sends per second, all processes together")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured phase")
	fs.DurationVar(&c.Drain, "drain", 10*time.Second, "longest wait for the last deliveries")
	fs.IntVar(&c.TextSize, "text-size", 64, "bytes per message text")
	fs.StringVar(&m.mix, "mix", "", "room: part of the sends as thread replies and reactions, e.g. replies=0.2,reactions=0.2")
	fs.BoolVar(&c.Presence, "presence", false, "after the audit, check over REST that every connected member is online in its chats")
	fs.BoolVar(&c.NodeLoss, "node-loss", false, "a node is killed during the run: sockets it drops are expected if every one comes back")
	fs.Float64Var(&c.ChurnRate, "churn-rate", 50, "churn: reconnects per second, all processes together")
	fs.IntVar(&c.Procs, "procs", 1, "processes to spread the connections over (one holds ~19k sockets)")
	fs.IntVar(&m.serverPID, "server-pid", 0, "PID of the server on this machine: report its CPU and RSS")
	fs.StringVar(&m.jsonOut, "json", "", "write the JSON result to this file")
	fs.StringVar(&m.logLevel, "log-level", "info", "debug, info, warn or error")
	// Set by the parent for its children.
	fs.BoolVar(&m.child, "child", false, "internal: run as a child of -procs")
	fs.IntVar(&c.Shard, "shard", 0, "internal: this child's shard")
	fs.StringVar(&c.RunID, "run-id", "", "internal: the run's id, shared by its children")
	m.fs = fs
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if c.Procs < 1 || c.Shard < 0 || c.Shard >= c.Procs {
		return fmt.Errorf("bad -procs %d / -shard %d", c.Procs, c.Shard)
	}
	if c.Scenario == loadtest.Overload && m.capacity > 0 {
		c.Rate = m.capacity * m.factor
	}
	return nil
}

// parseSources reads "4" (127.0.0.2 … 127.0.0.5) or "127.0.0.2,127.0.0.3".
func parseSources(s string) ([]net.IP, error) {
	if s == "" {
		return nil, nil
	}
	var n int
	if _, err := fmt.Sscan(s, &n); err == nil && !strings.Contains(s, ".") {
		if n < 1 || n > 250 {
			return nil, fmt.Errorf("-sources %d: want 1..250", n)
		}
		out := make([]net.IP, n)
		for i := range out {
			out[i] = net.IPv4(127, 0, 0, byte(2+i))
		}
		return out, nil
	}
	var out []net.IP
	for _, p := range strings.Split(s, ",") {
		ip := net.ParseIP(strings.TrimSpace(p))
		if ip == nil {
			return nil, fmt.Errorf("-sources: bad address %q", p)
		}
		out = append(out, ip)
	}
	return out, nil
}

func (m *Main) report(res *loadtest.Result) error {
	res.WriteTable(m.stdout)
	if res.Scenario == loadtest.Overload || res.NodeLoss { // runs whose totals hide when things changed
		fmt.Fprintln(m.stdout)
		res.WriteSeries(m.stdout)
	}
	if res.Scenario == loadtest.Overload {
		fmt.Fprintf(m.stdout, "\noverload table row (docs/benchmarks.md, Past capacity):\n%s\n%s\n", loadtest.OverloadHeader, res.OverloadRow())
	}
	if m.jsonOut != "" {
		if err := writeJSON(m.jsonOut, res); err != nil {
			return err
		}
	}
	if p := res.Problems(); len(p) > 0 {
		m.cfg.Logger.Warn("run was not consistent", "problems", p)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
