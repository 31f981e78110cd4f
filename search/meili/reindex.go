package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/fechatter/fechatter"
)

// Scanner pages through every message; fechatter.Store implements it.
type Scanner interface {
	ScanMessages(ctx context.Context, afterID int64, limit int) ([]fechatter.Message, int64, error)
}

// ReindexConfig configures Reindex.
type ReindexConfig struct {
	Store Scanner
	Index Writer
	// Checkpoint is the file that records progress, so an interrupted rebuild resumes where it
	// stopped. Empty: no checkpoint.
	Checkpoint string
	Restart    bool      // ignore an existing checkpoint and start from the first message
	Batch      int       // messages per write; default 1000
	Progress   io.Writer // progress bar; nil: none
}

type checkpoint struct {
	AfterID int64     `json:"after_id"`
	Done    int64     `json:"done"`
	Updated time.Time `json:"updated"`
}

// Reindex writes every message of the store to the index (tombstones are removed from it),
// batch by batch in id order, recording progress after each batch. Running it again is
// harmless: documents are upserted. It returns the number of messages processed.
func Reindex(ctx context.Context, cfg ReindexConfig) (int64, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 1000
	}
	cp, err := loadCheckpoint(cfg.Checkpoint, cfg.Restart)
	if err != nil {
		return 0, err
	}
	bar := progress{w: cfg.Progress, start: time.Now(), from: cp.Done}
	for {
		msgs, maxID, err := cfg.Store.ScanMessages(ctx, cp.AfterID, cfg.Batch)
		if err != nil {
			return cp.Done, fmt.Errorf("reindex: read messages: %w", err)
		}
		if len(msgs) == 0 {
			bar.finish(cp, maxID)
			if cfg.Checkpoint != "" {
				if err := os.Remove(cfg.Checkpoint); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return cp.Done, err
				}
			}
			return cp.Done, nil
		}
		var put []fechatter.Message
		var del []int64
		for _, m := range msgs {
			if m.Deleted {
				del = append(del, m.ID)
			} else {
				put = append(put, m)
			}
		}
		if err := cfg.Index.Put(ctx, put, del); err != nil {
			return cp.Done, fmt.Errorf("reindex: after message %d: %w", cp.AfterID, err)
		}
		cp.AfterID, cp.Done, cp.Updated = msgs[len(msgs)-1].ID, cp.Done+int64(len(msgs)), time.Now().UTC()
		if err := saveCheckpoint(cfg.Checkpoint, cp); err != nil {
			return cp.Done, err
		}
		bar.draw(cp, maxID)
	}
}

func loadCheckpoint(path string, restart bool) (checkpoint, error) {
	if path == "" || restart {
		return checkpoint{}, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return checkpoint{}, nil
	}
	var cp checkpoint
	if err == nil {
		err = json.Unmarshal(raw, &cp)
	}
	if err != nil {
		return checkpoint{}, fmt.Errorf("reindex: checkpoint %s: %w (remove it or use -restart)", path, err)
	}
	return cp, nil
}

// saveCheckpoint replaces the checkpoint atomically (write, then rename).
func saveCheckpoint(path string, cp checkpoint) error {
	if path == "" {
		return nil
	}
	raw, _ := json.Marshal(cp) // plain struct: never fails
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("reindex: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("reindex: checkpoint: %w", err)
	}
	return nil
}

// progress draws "[=====>     ]  45%  450000 messages  12000/s" on one line.
type progress struct {
	w     io.Writer
	start time.Time
	from  int64
}

func (p progress) draw(cp checkpoint, maxID int64) {
	if p.w == nil {
		return
	}
	const width = 30
	frac := 1.0
	if maxID > 0 {
		frac = min(1, float64(cp.AfterID)/float64(maxID))
	}
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	if filled < width {
		bar = bar[:filled] + ">" + bar[filled+1:]
	}
	rate := float64(cp.Done-p.from) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r[%s] %3.0f%%  %d messages  %.0f/s", bar, frac*100, cp.Done, rate)
}

func (p progress) finish(cp checkpoint, maxID int64) {
	if p.w == nil {
		return
	}
	p.draw(checkpoint{AfterID: max(cp.AfterID, maxID), Done: cp.Done}, maxID)
	fmt.Fprintln(p.w)
}
