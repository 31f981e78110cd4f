package ratelimit

import (
	"fmt"
	"time"
)

// Limit allows Burst events at once and Rate events per Period sustained. A Limit with any
// field zero or negative is off: everything is allowed.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute allows n events a minute, all of them at once if they come together.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// PerSecond allows rate events a second sustained (fractions allowed: 0.5 is one every two
// seconds) and burst at once. A rate or burst of zero or less is off.
func PerSecond(rate float64, burst int) Limit {
	if rate <= 0 || burst <= 0 {
		return Limit{}
	}
	return Limit{Rate: 1, Period: time.Duration(float64(time.Second) / rate), Burst: burst}
}

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.Rate <= 0 || l.Period <= 0 || l.Burst <= 0 }

func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	return fmt.Sprintf("%d per %v (burst %d)", l.Rate, l.Period, l.Burst)
}

// interval is the time one event costs.
func (l Limit) interval() int64 { return max(1, int64(l.Period)/int64(l.Rate)) }

// Result is the outcome of one check.
type Result struct {
	Allowed bool
	// Remaining is how many more events would be allowed right now.
	Remaining int
	// RetryAfter is how long until the next event would be allowed; zero when Allowed.
	RetryAfter time.Duration
}

// allowed is the answer for a limit that is off.
var allowed = Result{Allowed: true, Remaining: 1 << 30}

// gcra charges one event at now (Unix ns) to a key whose theoretical arrival time is tat (zero
// for a new key). It returns the key's next tat, unchanged when the event is denied.
func gcra(tat, now int64, l Limit) (int64, Result) {
	ei := l.interval()
	tat = max(tat, now)
	next := tat + ei
	allowAt := next - ei*int64(l.Burst)
	if now < allowAt {
		return tat, Result{RetryAfter: time.Duration(allowAt - now)}
	}
	return next, Result{Allowed: true, Remaining: int((now - allowAt) / ei)}
}
