package node_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// What the node keeps on disk is its owner's only: the data dir 0700, the SQLite database
// with its -wal and -shm 0600 after a write, and the generated JWT secret 0600.
func TestDataFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // created by the node
	s := ft.Start(t, ft.Options{DataDir: dir, Tune: func(c *node.Config) { c.JWTSecret = "" }})
	s.Signup(t, "ann@example.com", "acme") // a write: the WAL has content

	want := map[string]fs.FileMode{
		".":                0o700 | fs.ModeDir,
		"fechatter.db":     0o600,
		"fechatter.db-wal": 0o600,
		"fechatter.db-shm": 0o600,
		"jwt.secret":       0o600,
	}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), mode)
		}
	}
}
