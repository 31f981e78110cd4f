package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/node"
)

// A store that cannot be opened is an error from Open, not a panic while it cleans up.
func TestOpenFailsCleanlyWhenTheStoreCannotOpen(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := node.Open(ctx, node.Config{
		Addr:        "127.0.0.1:0",
		DataDir:     t.TempDir(),
		JWTSecret:   strings.Repeat("k", 32),
		DatabaseURL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
	})
	if err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("Open with an unreachable database: %v, want a store error", err)
	}
}
