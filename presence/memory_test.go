package presence_test

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/presence"
	"github.com/fechatter/fechatter/presence/presencetest"
)

func TestMemoryConformance(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) (presencetest.Tracker, func()) {
		return presence.NewMemory(), func() {}
	})
}

func TestMemoryRunBlocksUntilCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- presence.NewMemory().Run(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("Run returned before cancel: %v", err)
	default:
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
