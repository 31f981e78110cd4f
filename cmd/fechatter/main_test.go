package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// bin is the real fechatter binary, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fechatter-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "fechatter")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// logBuffer collects the process's JSON log lines and finds the listen address.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addrC chan string
}

func (l *logBuffer) scan(r *bufio.Scanner) {
	for r.Scan() {
		line := r.Bytes()
		l.mu.Lock()
		l.buf.Write(line)
		l.buf.WriteByte('\n')
		l.mu.Unlock()
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
			l.addrC <- rec.Addr
		}
	}
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// The binary with no configuration serves the whole product; SIGTERM drains: sockets get
// 1012, the process exits 0, and no token ever reaches the log.
func TestBinaryServesAndDrainsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "FECHATTER_ADDR=127.0.0.1:0", "FECHATTER_LOG_LEVEL=debug")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	logs := &logBuffer{addrC: make(chan string, 1)}
	scanned := make(chan struct{})
	go func() { logs.scan(bufio.NewScanner(stderr)); close(scanned) }()
	var addr string
	select {
	case addr = <-logs.addrC:
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line; logs:\n%s", logs)
	}
	addr = strings.Replace(addr, "[::]", "127.0.0.1", 1)
	s := &ft.Server{URL: "http://" + addr, WSURL: "ws://" + addr + "/ws"}

	a := s.Signup(t, "ann@example.com", "acme")
	b := s.Signup(t, "ben@example.com", "acme")
	chat := s.CreateChat(t, a, "direct", "", b.User.ID)
	conn := s.Dial(t, a.AccessToken)
	conn.Ready()
	conn.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": "11111111-2222-4333-8444-555555555555", "text": "hello"})
	if e := conn.WaitFor(ft.Wait, ft.Type("ack")); e.Message.Seq != 1 {
		t.Fatalf("ack = %s", e.Raw)
	}
	if _, err := os.Stat(filepath.Join(cmd.Dir, "data", "fechatter.db")); err != nil {
		t.Fatalf("default data dir not used: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := conn.Closed(ft.Wait); code != websocket.StatusServiceRestart {
		t.Fatalf("close code on SIGTERM = %d, want 1012", code)
	}
	done := make(chan error, 1)
	go func() { <-scanned; done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v; logs:\n%s", err, logs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("process did not exit after SIGTERM; logs:\n%s", logs)
	}
	out := logs.String()
	for _, secret := range []string{a.AccessToken, a.RefreshToken, "correct horse battery"} {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret reached the log")
		}
	}
	if !strings.Contains(out, `"msg":"stopped"`) {
		t.Fatalf("no clean stop in logs:\n%s", out)
	}
}

func TestHelpListsEveryEnvironmentVariable(t *testing.T) {
	var out bytes.Buffer
	cmd := exec.Command(bin, "help")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"FECHATTER_ADDR", "FECHATTER_DATA_DIR", "FECHATTER_JWT_SECRET", "FECHATTER_ALLOWED_ORIGINS",
		"DATABASE_URL", "NATS_URL", "FECHATTER_TLS_CERT", "FECHATTER_TLS_KEY", "FECHATTER_TRUSTED_PROXIES",
		"FECHATTER_AUTH_PER_MINUTE", "FECHATTER_LOGIN_FAILURES", "FECHATTER_LOGIN_ACCOUNT_ATTEMPTS", "FECHATTER_LOGIN_WINDOW",
		"FECHATTER_WRITES_PER_MINUTE", "FECHATTER_SEND_RATE", "FECHATTER_SEND_BURST",
		"FECHATTER_OVERLOAD_BUDGET", "FECHATTER_CONNECT_RATE", "FECHATTER_SEND_QUEUE", "FECHATTER_REPLAY_CONCURRENCY", "FECHATTER_WRITE_TIMEOUT", "FECHATTER_SOCKET_SEND_BUFFER",
		"FECHATTER_METRICS_ADDR", "FECHATTER_API_BODY_LIMIT", "FECHATTER_READ_TIMEOUT", "FECHATTER_SIGNUP", "FECHATTER_PUBLIC_URL"} {
		if !strings.Contains(out.String(), v) {
			t.Errorf("help does not mention %s", v)
		}
	}
}
