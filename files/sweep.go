package files

import (
	"context"
	"errors"
	"time"
)

const sweepBatch = 500

// Run sweeps every SweepInterval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Sweep(ctx); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Warn("files: sweep", "err", err)
			}
		}
	}
}

// Sweep collects uploads never attached within Grace, then deletes the stored bytes (and
// previews) no file refers to any more: those of collected uploads and of deleted messages.
func (s *Service) Sweep(ctx context.Context) error {
	for {
		n, err := s.cfg.Store.SweepFiles(ctx, s.cfg.Now().Add(-s.cfg.Grace), sweepBatch)
		if err != nil {
			return err
		}
		s.m.swept.Add(float64(n))
		if n < sweepBatch {
			break
		}
	}
	for {
		shas, err := s.cfg.Store.OrphanBlobs(ctx, sweepBatch)
		if err != nil {
			return err
		}
		deleted := 0
		for _, sha := range shas {
			ok, err := s.cfg.Store.DeleteBlob(ctx, sha, func() error {
				return errors.Join(s.cfg.Bucket.Delete(ctx, blobKey(sha)), s.cfg.Bucket.Delete(ctx, thumbKey(sha)))
			})
			if err != nil {
				return err
			}
			if ok {
				deleted++
				s.m.blobsDeleted.Inc()
			}
		}
		if len(shas) < sweepBatch || deleted == 0 {
			return nil
		}
	}
}
