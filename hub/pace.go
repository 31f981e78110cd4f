package hub

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// pace smooths admission once the node has been late. The lateness check alone is binary:
// the moment the node is back under its budget it admits everything, and the clients holding
// refused sends all retry at once, so the node overshoots, falls behind again and refuses
// again, and the messages admitted in the burst are the late ones. pace caps the changes
// admitted per second instead, with the classic control law of congestion windows: a cut by a
// fifth (at most every paceCutEvery) while the node is over half its budget, a slow climb
// while it is under a quarter, and no cap at all after paceRelease of calm. The first cap is
// what the node was admitting just before. The cap never goes below half the best rate of the
// last seconds (nor below paceMin): a node late for another reason than what it admits (a
// busy machine, a peer's failover) would otherwise cut it down to a trickle and starve the
// retries of the very sends it refused.
type pace struct {
	admitted atomic.Int64 // changes admitted since the last tick

	mu        sync.Mutex
	lim       *rate.Limiter // nil: no cap
	rate      float64       // admitted per second, smoothed over a few ticks
	peak      float64       // the best recent rate, decaying by a third in 10 s
	lastCut   time.Time
	calmSince time.Time
}

const (
	paceCutEvery = 500 * time.Millisecond
	paceRelease  = 10 * time.Second
	paceCut      = 0.8
	paceClimb    = 1.005 // per tick: about 10 % a second
	paceMin      = 10.0  // changes per second: the lowest cap
	paceEngage   = 50.0  // changes per second: below this best recent rate the node never caps (sends are not what makes it late)
	paceDecay    = 0.998 // per tick, of the best recent rate
)

// allow reports whether one more change may be admitted now, and counts it when it may.
func (p *pace) allow(now time.Time) bool {
	p.mu.Lock()
	lim := p.lim
	p.mu.Unlock()
	if lim != nil && !lim.AllowN(now, 1) {
		return false
	}
	p.admitted.Add(1)
	return true
}

// limit is the cap in changes per second (0: none).
func (p *pace) limit() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lim == nil {
		return 0
	}
	return float64(p.lim.Limit())
}

// tick adjusts the cap from the node's lateness; dt is the time since the last tick.
func (p *pace) tick(late, budget time.Duration, now time.Time, dt time.Duration) {
	n := p.admitted.Swap(0)
	p.mu.Lock()
	defer p.mu.Unlock()
	if dt > 0 {
		p.rate = 0.8*p.rate + 0.2*float64(n)/dt.Seconds()
	}
	p.peak = max(p.rate, p.peak*paceDecay)
	switch {
	case late > budget/2:
		p.calmSince = time.Time{}
		if now.Sub(p.lastCut) < paceCutEvery {
			return
		}
		switch {
		case p.lim != nil:
			p.set(now, float64(p.lim.Limit())*paceCut)
		case p.peak >= paceEngage:
			p.set(now, p.rate*0.9)
		default:
			return // too few sends to be what makes the node late
		}
		p.lastCut = now
	case late < budget/4 && p.lim != nil:
		if p.calmSince.IsZero() {
			p.calmSince = now
		}
		if now.Sub(p.calmSince) >= paceRelease {
			p.lim = nil
			return
		}
		p.set(now, float64(p.lim.Limit())*paceClimb)
	}
}

// set caps admission at r per second (at least half the best recent rate), allowing bursts of
// a second's worth (at least paceEngage): chat traffic comes in bursts, and the cap is for the
// sustained rate; p.mu is held.
func (p *pace) set(now time.Time, r float64) {
	r = max(r, paceMin, p.peak/2)
	burst := max(int(paceEngage), int(r))
	if p.lim == nil {
		p.lim = rate.NewLimiter(rate.Limit(r), burst)
		return
	}
	p.lim.SetLimitAt(now, rate.Limit(r))
	p.lim.SetBurstAt(now, burst)
}
