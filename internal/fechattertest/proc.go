package fechattertest

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
)

// BuildBinary builds ./cmd/fechatter (with the given build tags, none when empty) into dir and
// returns the path. Run it once from a TestMain: it takes seconds.
func BuildBinary(dir, moduleRoot string, tags ...string) (string, error) {
	bin := filepath.Join(dir, "fechatter")
	args := []string{"build", "-o", bin}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	args = append(args, "./cmd/fechatter")
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// Proc is one process of the real fechatter binary that a test can SIGKILL, pause (SIGSTOP),
// continue and start again. Its data dir survives restarts; its address may change.
type Proc struct {
	t   testing.TB
	bin string
	env []string
	dir string

	mu     sync.Mutex
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
	paused bool
	logs   bytes.Buffer
}

// StartProc runs bin with env (added to the test's environment) in a fresh working directory
// and waits for its "listening" log line. The process is stopped when the test ends.
func StartProc(t testing.TB, bin string, env ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, bin: bin, env: env, dir: t.TempDir()}
	t.Cleanup(p.stop)
	p.Start()
	return p
}

// Start starts the process (again) and waits until it listens.
func (p *Proc) Start() {
	p.t.Helper()
	cmd := exec.Command(p.bin)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), p.env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	addrC := make(chan string, 1)
	exited := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.exited, p.paused = cmd, exited, false
	p.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			if p.logs.Len() < 4<<20 {
				p.logs.Write(line)
				p.logs.WriteByte('\n')
			}
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				select {
				case addrC <- rec.Addr:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	select {
	case a := <-addrC:
		p.mu.Lock()
		p.addr = a
		p.mu.Unlock()
	case <-exited:
		p.t.Fatalf("fechatter exited before listening; logs:\n%s", p.Logs())
	case <-time.After(30 * time.Second):
		p.t.Fatalf("fechatter did not start; logs:\n%s", p.Logs())
	}
}

// Addr is the host:port the process listens on (its latest start).
func (p *Proc) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// PID is the process ID of the latest start.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Alive reports whether the process runs and is not paused.
func (p *Proc) Alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to end.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	_ = cmd.Process.Kill()
	<-exited
}

// Pause stops the process with SIGSTOP; its sockets stay open and silent.
func (p *Proc) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGSTOP)
	p.paused = true
}

// Continue resumes a paused process with SIGCONT.
func (p *Proc) Continue() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	p.paused = false
}

// Logs returns what the process logged so far (up to 4 MiB).
func (p *Proc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// stop ends the process with SIGTERM (SIGKILL after 20 s).
func (p *Proc) stop() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGCONT)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}
