package main_test

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/loadtest/seed"
)

// `fechatter seed` writes into the store a server on the same data dir opens, with tokens
// signed by the secret that server finds: both ask internal/node for them.
func TestSeedWritesWhatTheServerServes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "seed.json")
	cmd := exec.Command(bin, "seed", "-data-dir", dir, "-users", "4", "-chats", "2", "-members", "2", "-out", out)
	cmd.Env = []string{} // no FECHATTER_JWT_SECRET or DATABASE_URL from the caller
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fechatter seed: %v: %s", err, b)
	}
	f, err := seed.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Users) != 4 || len(f.Chats) != 2 {
		t.Fatalf("seeded %d users, %d chats; want 4, 2", len(f.Users), len(f.Chats))
	}
	s := ft.Start(t, ft.Options{DataDir: dir, Tune: func(c *node.Config) { c.JWTSecret = "" }})
	var got struct{ Chats []struct{ ID int64 } }
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", f.Users[0].Token, nil, &got)
	if len(got.Chats) != 1 || got.Chats[0].ID != f.Chats[0].ID {
		t.Fatalf("user 0's chats = %+v, want the seeded chat %d", got.Chats, f.Chats[0].ID)
	}
}

// The server binary does not link the load generator (its WebSocket client, its plots).
func TestServerBinaryLinksNoLoadGenerator(t *testing.T) {
	b, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(b)) {
		if pkg == "github.com/fechatter/fechatter/loadtest" || strings.HasPrefix(pkg, "golang.org/x/image/font") {
			t.Errorf("cmd/fechatter links %s", pkg)
		}
	}
}
