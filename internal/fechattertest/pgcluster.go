package fechattertest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGCluster is a private, throwaway PostgreSQL cluster (initdb + pg_ctl, fsync off) that a
// test may restart or crash without touching the machine's shared server. It runs as the
// postgres user when the test runs as root.
type PGCluster struct {
	URL  string // postgres://postgres@127.0.0.1:port/postgres
	t    testing.TB
	bin  string
	dir  string
	port int
}

// StartPGCluster initialises and starts a cluster on a free port; it is removed when the test
// ends. Without PostgreSQL's server binaries the test is skipped (failed under CI=true).
func StartPGCluster(t testing.TB) *PGCluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	sort.Strings(bins)
	if len(bins) == 0 {
		Unavailable(t, "PostgreSQL server binaries (pg_ctl)", fmt.Errorf("none under /usr/lib/postgresql"))
	}
	root, err := os.MkdirTemp("", "fechatter-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c := &PGCluster{t: t, bin: filepath.Dir(bins[len(bins)-1]), dir: filepath.Join(root, "data"), port: port,
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	if err := os.Mkdir(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "-R", "postgres:postgres", root).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v: %s", err, out)
		}
	}
	c.run("initdb", "-D", c.dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	c.Start()
	return c
}

func (c *PGCluster) run(tool string, args ...string) {
	c.t.Helper()
	name := filepath.Join(c.bin, tool)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

func (c *PGCluster) pgctl(args ...string) {
	c.t.Helper()
	c.run("pg_ctl", append([]string{"-D", c.dir, "-w", "-t", "30"}, args...)...)
}

// Start starts the server and waits until it accepts connections.
func (c *PGCluster) Start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "+
		"-c full_page_writes=off -c max_connections=200", c.port)
	c.pgctl("start", "-l", filepath.Join(c.dir, "server.log"), "-o", opts)
}

// Crash stops the server the way a crash does (immediate shutdown: no checkpoint, every
// connection cut); Start recovers from its WAL.
func (c *PGCluster) Crash() { c.t.Helper(); c.pgctl("stop", "-m", "immediate") }

// Restart crashes and starts the server.
func (c *PGCluster) Restart() { c.t.Helper(); c.Crash(); c.Start() }

// CreateDatabase makes a database on the cluster and returns its URL.
func (c *PGCluster) CreateDatabase(name string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		c.t.Fatal(err)
	}
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// TerminateBackends kills every other connection to database db with pg_terminate_backend and
// returns how many it killed.
func TerminateBackends(ctx context.Context, adminURL, db string) (int, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()) t`, db).Scan(&n)
	return n, err
}
