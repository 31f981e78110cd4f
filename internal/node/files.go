package node

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/files"
	"github.com/fechatter/fechatter/internal/blob"
)

// FilesConfig configures attachments (FECHATTER_MAX_UPLOAD, FECHATTER_S3_*, ...).
type FilesConfig struct {
	MaxUpload int64         // bytes per file (default 25 MiB)
	Quota     int64         // bytes per workspace (0: none)
	MaxPixels int64         // largest image in pixels (default 40M)
	URLTTL    time.Duration // signed URL life (default 10m)
	Grace     time.Duration // unattached uploads are collected after it (default 24h)
	Sweep     time.Duration // sweep interval (default 5m)
	S3        blob.S3Config // used when S3.Endpoint is set; else a directory in the data dir
}

// openFiles builds the files service on the data dir's "files" directory or on S3, and
// starts its sweeper. key is the JWT secret the signing key is derived from.
func (n *Node) openFiles(ctx context.Context, key []byte) error {
	fc := n.cfg.Files
	var bucket files.Bucket
	if fc.S3.Endpoint != "" {
		s3, err := blob.NewS3(fc.S3)
		if err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := s3.Ping(pctx); err != nil {
			return fmt.Errorf("files: %w", err)
		}
		bucket = s3
		n.log.Info("files: s3", "endpoint", fc.S3.Endpoint, "bucket", fc.S3.Bucket)
	} else {
		dir, err := blob.NewDir(filepath.Join(n.cfg.DataDir, "files"))
		if err != nil {
			return err
		}
		bucket = dir
		n.log.Info("files: local directory", "path", filepath.Join(n.cfg.DataDir, "files"))
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("fechatter signed file URLs v1"))
	svc, err := files.New(files.Config{
		Store: n.Store, Bucket: bucket, Auth: sessionAuth{n}, Key: mac.Sum(nil),
		SpoolDir: filepath.Join(n.cfg.DataDir, "spool"), Logger: n.log, Registry: n.registry,
		MaxUpload: fc.MaxUpload, Quota: fc.Quota, MaxPixels: fc.MaxPixels, URLTTL: fc.URLTTL, Grace: fc.Grace,
		SweepInterval: fc.Sweep, Usage: n.usage,
	})
	if err != nil {
		return fmt.Errorf("files: %w", err)
	}
	n.Files = svc
	sctx, stop := context.WithCancel(context.Background())
	n.stopFiles, n.filesDone = stop, make(chan struct{})
	go func() {
		defer close(n.filesDone)
		svc.Run(sctx)
	}()
	return nil
}

func (n *Node) closeFiles() {
	if n.stopFiles != nil {
		n.stopFiles()
		<-n.filesDone
	}
}

// sessionAuth checks a bearer token as the REST API does: valid, of a live session, of an
// active user.
type sessionAuth struct{ n *Node }

func (a sessionAuth) User(ctx context.Context, token string) (fechatter.User, error) {
	c, err := a.n.Issuer.Verify(token)
	if err != nil {
		return fechatter.User{}, err
	}
	return a.n.Store.UserSession(ctx, c.UserID, c.SessionID)
}
