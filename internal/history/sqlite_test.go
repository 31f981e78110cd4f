package history_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
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

// The SQLite data dir is a 24 MiB tmpfs that a filler file makes full, for a second at a time
// or until a send has failed (at most five seconds): sends then fail with a retryable error,
// nothing is acked that is not stored, and sending recovers as soon as space returns. A window
// may pass without a failure when SQLite's write-ahead log has room left over from an earlier
// cycle, so each window lasts until one has happened; and the filler must reach ENOSPC, or the
// window does not count.
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
	var full, bit atomic.Int64 // windows in which the disk was full, and those in which a send failed
	var fillErr atomic.Value   // the last reason a filler stopped short of ENOSPC
	r.fault = func(ctx context.Context, c *cluster) {
		every(ctx, c, 1500*time.Millisecond, func() {
			defer os.Remove(filler)
			if err := fill(filler); err != nil {
				fillErr.Store(err.Error())
				return
			}
			full.Add(1)
			failed := c.rec.Count(history.Fail)
			start := time.Now()
			for bitten := false; ctx.Err() == nil && time.Since(start) < 5*time.Second; {
				if !bitten && c.rec.Count(history.Fail) > failed {
					bitten = true
					bit.Add(1)
				}
				if bitten && time.Since(start) >= time.Second {
					return
				}
				sleep(ctx, 20*time.Millisecond) // polls for the failure, bounded by the 5 s above
			}
		})
	}
	_, c := r.start(t)
	t.Logf("disk full in %d windows, a send failed in %d; %d sends failed", full.Load(), bit.Load(), c.rec.Count(history.Fail))
	if c.rec.Count(history.Fail) == 0 {
		t.Errorf("no request failed while the disk was full: the fault did not bite (filler's last error: %v)", fillErr.Load())
	}
}

// fill writes to path until the file system is full, and says why if it could not get there.
func fill(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	for size := len(buf); size > 0; {
		_, err := f.Write(buf[:size])
		switch {
		case err == nil:
		case errors.Is(err, syscall.ENOSPC):
			size /= 2
		default:
			return err
		}
	}
	return nil
}
