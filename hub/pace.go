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
// admitted per second instead, with the control law of a congestion window (CUBIC's shape):
//   - over half the budget late, the cap is cut by a fifth, at most every paceCutEvery and
//     only on lateness measured after the previous cut (see tick); the first cap is 0.9 ×
//     what the node was admitting, and the cap before each cut is remembered as the rate at
//     which the node was last found late;
//   - under a quarter of the budget, the cap climbs back to that rate quickly (a share of the
//     gap per tick), then probes beyond it, faster the longer the node stays calm; after
//     paceRelease of calm there is no cap at all;
//   - in between, the cap holds.
//
// The cap never goes below half the best rate of the last seconds (nor below paceMin): a node
// late for another reason than what it admits (a busy machine, a peer's failover) would
// otherwise cut it down to a trickle and starve the retries of the very sends it refused.
type pace struct {
	admitted atomic.Int64 // changes admitted since the last tick

	mu        sync.Mutex
	lim       *rate.Limiter // nil: no cap
	rate      float64       // admitted per second, smoothed over a few ticks
	peak      float64       // the best recent rate, decaying by a third in 10 s
	lateAt    float64       // the cap (or rate) at the last cut: where the node was last found late
	lastCut   time.Time
	calmSince time.Time
}

const (
	paceCutEvery = 500 * time.Millisecond
	paceRelease  = 10 * time.Second
	paceCut      = 0.8
	paceRecover  = 0.05  // per tick, of the gap back to the rate at the last cut: two thirds in a second
	paceProbe    = 0.002 // per tick beyond it, times 1 + seconds calm: 4 % a second at first, 30 % after 5 s
	paceMin      = 10.0  // changes per second: the lowest cap
	paceEngage   = 50.0  // changes per second: below this best recent rate the node never caps (sends are not what makes it late)
	paceDecay    = 0.998 // per tick, of the best recent rate
	paceMinBurst = 10    // changes admitted at once under any cap
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

// cutAt is when the cap was last cut (zero: never).
func (p *pace) cutAt() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastCut
}

// tick adjusts the cap from the node's lateness; fresh is the part of it measured by waits
// that began after the last cut (cutAt), and dt the time since the last tick. It reports
// whether it cut the cap.
//
// A cut needs fresh lateness, as TCP cuts its window once per round trip: a reading taken
// before the last cut cannot show what the cut did (the clocks hold their largest reading for
// a second, and a commit or a write that began before the cut still counts its wait), and
// cutting again on it cut twice for one stall. Measured on PostgreSQL at 5,000 sends/s: one
// slow commit of 257 ms made two cuts, a few such stalls took the cap from 5,100/s to 1,650/s
// and refused a third of the sends the node had been keeping up with.
func (p *pace) tick(late, fresh, budget time.Duration, now time.Time, dt time.Duration) (cut bool) {
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
		if fresh <= budget/2 || now.Sub(p.lastCut) < paceCutEvery {
			return false
		}
		switch {
		case p.lim != nil:
			p.lateAt = float64(p.lim.Limit())
			p.set(now, p.lateAt*paceCut, budget)
		case p.peak >= paceEngage:
			p.lateAt = p.rate
			p.set(now, p.rate*0.9, budget)
		default:
			return false // too few sends to be what makes the node late
		}
		p.lastCut = now
		return true
	case late < budget/4 && p.lim != nil:
		if p.calmSince.IsZero() {
			p.calmSince = now
		}
		calm := now.Sub(p.calmSince)
		if calm >= paceRelease {
			p.lim = nil
			return false
		}
		r := float64(p.lim.Limit())
		if r < p.lateAt {
			r += (p.lateAt - r) * paceRecover
		}
		p.set(now, r*(1+paceProbe*(1+calm.Seconds())), budget)
	}
	return false
}

// set caps admission at r per second (at least half the best recent rate), letting through at
// once what the node does in a quarter of its budget at that rate (at least paceMinBurst):
// chat traffic comes in bursts, and a burst's work must not make the node late by itself;
// p.mu is held.
func (p *pace) set(now time.Time, r float64, budget time.Duration) {
	r = max(r, paceMin, p.peak/2)
	burst := max(paceMinBurst, int(r*budget.Seconds()/4))
	if p.lim == nil {
		p.lim = rate.NewLimiter(rate.Limit(r), burst)
		return
	}
	p.lim.SetLimitAt(now, rate.Limit(r))
	p.lim.SetBurstAt(now, burst)
}
