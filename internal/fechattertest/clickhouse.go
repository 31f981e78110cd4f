package fechattertest

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ClickHouseAddr is the ClickHouse (native protocol) the tests use: .ci/clickhouse.sh
// serves one on 127.0.0.1:9000.
func ClickHouseAddr() string {
	if a := os.Getenv("FECHATTER_TEST_CLICKHOUSE_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:9000"
}

// ClickHouseURL returns the CLICKHOUSE_URL of a database no other test uses (created by
// whoever opens it), dropped when the test ends. Without a ClickHouse the test is skipped
// (failed under CI=true).
func ClickHouseURL(t testing.TB) string {
	t.Helper()
	return ClickHouseURLAt(t, ClickHouseAddr())
}

// ClickHouseURLAt is ClickHouseURL on the ClickHouse at addr.
func ClickHouseURLAt(t testing.TB, addr string) string {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 3 * time.Second})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = conn.Ping(ctx)
		cancel()
	}
	if err != nil {
		Unavailable(t, "ClickHouse at "+addr, err)
	}
	name := "fechatter_test_" + hex.EncodeToString(randomBytes(6))
	t.Cleanup(func() {
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" SYNC"); err != nil {
			t.Logf("drop clickhouse database %s: %v", name, err)
		}
	})
	return "clickhouse://" + addr + "/" + name
}

// ClickHouseServer is a private ClickHouse that a test stops and starts again on the same
// ports and data, run by the repository's launcher (analytics/cmd/chlaunch) from the
// libchdb.so that .ci/clickhouse.sh installs (CHDB_LIB names another).
type ClickHouseServer struct {
	t     testing.TB
	bin   string
	lib   string
	dir   string
	tcp   int
	http  int
	cmd   *exec.Cmd
	Addr  string // 127.0.0.1:<tcp>
	exits chan error
}

// DefaultCHDBLib is where .ci/clickhouse.sh installs libchdb.so.
const DefaultCHDBLib = "/opt/fechatter-ci/clickhouse/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so"

var chlaunch struct {
	once sync.Once
	bin  string
	err  error
}

// StartClickHouse builds the launcher (once per test binary) and starts a ClickHouse on two
// free ports of 127.0.0.1 with a data dir of the test's, stopped when the test ends.
func StartClickHouse(t testing.TB) *ClickHouseServer {
	t.Helper()
	lib := os.Getenv("CHDB_LIB")
	if lib == "" {
		lib = DefaultCHDBLib
	}
	if _, err := os.Stat(lib); err != nil {
		Unavailable(t, "libchdb.so (run .ci/clickhouse.sh)", err)
	}
	chlaunch.once.Do(func() {
		dir, err := os.MkdirTemp("", "chlaunch")
		if err != nil {
			chlaunch.err = err
			return
		}
		chlaunch.bin = filepath.Join(dir, "chlaunch")
		cmd := exec.Command("go", "build", "-o", chlaunch.bin, "github.com/fechatter/fechatter/analytics/cmd/chlaunch")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			chlaunch.err = fmt.Errorf("build chlaunch: %v: %s", err, out)
		}
	})
	if chlaunch.err != nil {
		t.Fatal(chlaunch.err)
	}
	s := &ClickHouseServer{t: t, bin: chlaunch.bin, lib: lib, dir: t.TempDir(), tcp: freePort(t), http: freePort(t)}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", s.tcp)
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server and waits until it answers.
func (s *ClickHouseServer) Start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "-lib", s.lib, "-path", filepath.Join(s.dir, "data"),
		"-tcp", strconv.Itoa(s.tcp), "-http", strconv.Itoa(s.http))
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start clickhouse: %v", err)
	}
	s.exits = make(chan error, 1)
	go func(cmd *exec.Cmd, exits chan error) { exits <- cmd.Wait() }(s.cmd, s.exits)
	ping := fmt.Sprintf("http://127.0.0.1:%d/ping", s.http)
	CheckFor(s.t, 60*time.Second, "clickhouse to answer "+ping, func() bool {
		resp, err := http.Get(ping)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// Stop ends the server (SIGTERM) and waits for it to exit.
func (s *ClickHouseServer) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exits:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exits
	}
	s.cmd = nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
