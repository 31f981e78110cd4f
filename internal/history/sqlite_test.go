package history_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/history"
)

// One node on the embedded SQLite store is SIGKILLed every three seconds while nine clients keep
// two sends each in flight, so kills land in the middle of group-commit batches. After each
// restart on the same file, every acked message is there, once, in seq order.
func TestHistorySQLiteKillMidBatch(t *testing.T) {
	r := base()
	r.nodes, r.sqliteDir = 1, t.TempDir()
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 3*time.Second, func() {
			c.nodes[0].Kill()
			c.nodes[0].Start()
		})
	}
	r.start(t)
}

// The SQLite data dir is a 24 MiB tmpfs that a filler file makes full for a second at a time:
// sends then fail with a retryable error, nothing is acked that is not stored, and sending
// recovers as soon as space returns.
func TestHistorySQLiteDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", dir).CombinedOutput(); err != nil {
		ft.Unavailable(t, "a tmpfs mount (needs root)", errors.New(string(out)))
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	r := base()
	r.nodes, r.sqliteDir = 1, filepath.Join(dir, "data")
	filler := filepath.Join(dir, "filler")
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 1500*time.Millisecond, func() {
			fill(filler)
			sleep(context.Background(), time.Second)
			os.Remove(filler)
		})
	}
	_, c := r.start(t)
	if c.rec.Count(history.Fail) == 0 {
		t.Errorf("no request failed while the disk was full: the fault did not bite")
	}
}

// fill writes to path until the file system is full.
func fill(path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	for size := len(buf); size > 0; {
		if _, err := f.Write(buf[:size]); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				return
			}
			size /= 2
		}
	}
}
