// Package logsum logs a warning that can recur many times a second (every call that fell back
// while a backend is down) as a summary: at most one line per period, counting the occurrences
// since the line before. It owns nothing else and imports nothing of the project.
package logsum

import (
	"log/slog"
	"sync"
	"time"
)

// Every is a recurring warning. The zero value logs at most once per DefaultPeriod; set Period
// before first use for another spacing.
type Every struct {
	Period time.Duration

	mu    sync.Mutex
	last  time.Time
	count int
}

// DefaultPeriod spaces the lines of an Every without a Period.
const DefaultPeriod = 10 * time.Second

// Warn counts one occurrence at now and, unless a line went out less than Period ago, logs msg
// with args and "count", the occurrences since the previous line (this one included). The
// first occurrence is logged at once.
func (e *Every) Warn(log *slog.Logger, now time.Time, msg string, args ...any) {
	period := e.Period
	if period <= 0 {
		period = DefaultPeriod
	}
	e.mu.Lock()
	e.count++
	if !e.last.IsZero() && now.Sub(e.last) < period {
		e.mu.Unlock()
		return
	}
	count := e.count
	e.count, e.last = 0, now
	e.mu.Unlock()
	log.Warn(msg, append(args, "count", count)...)
}
