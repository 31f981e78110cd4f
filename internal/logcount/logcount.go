// Package logcount is a slog.Handler for tests that counts records by message, so a test can
// say "this was logged once" or "retried at least four times". It imports nothing of the
// project.
package logcount

import (
	"context"
	"log/slog"
	"sync"
)

// Handler counts the records it handles by message. The zero value is ready to use.
type Handler struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *Handler) Enabled(context.Context, slog.Level) bool { return true }
func (h *Handler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *Handler) WithGroup(string) slog.Handler            { return h }

func (h *Handler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	h.n[r.Message]++
	return nil
}

// Count is how many records had message msg.
func (h *Handler) Count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[msg]
}
