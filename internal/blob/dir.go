package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir keeps blobs as files under a root directory, created 0700 (files 0600). A Put writes a
// temporary file beside the others and renames it into place, so a reader never sees half a
// blob and a failed Put leaves nothing.
type Dir struct {
	root string
}

// NewDir opens (creating it if needed) the directory root.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(root, ".tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(key string) (string, error) {
	if !validKey(key) {
		return "", errBadKey
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put stores size bytes of r under key, replacing what was there.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) error {
	dst, err := d.path(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, ".tmp"), "put-*")
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	n, err := io.Copy(tmp, ctxReader{ctx, r})
	if err == nil && n != size {
		err = fmt.Errorf("got %d bytes, want %d", n, size)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(dst), 0o700)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Open opens the blob under key (ErrNotExist).
func (d *Dir) Open(_ context.Context, key string) (*Object, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, key)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return &Object{ReadSeekCloser: f, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Exists reports whether key holds a blob.
func (d *Dir) Exists(_ context.Context, key string) (bool, error) {
	p, err := d.path(key)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	return true, nil
}

// Delete removes the blob under key; a missing one is no error.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
