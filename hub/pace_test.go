package hub

import (
	"testing"
	"time"
)

// pace caps admission only after the node was late: first at what it was admitting, cut by a
// fifth at most every half second while late, climbing while calm, and gone after 10 s of calm.
// A node that admits few sends never caps them.
func TestPaceCapsAdmissionAfterLatenessAndLetsGo(t *testing.T) {
	var p pace
	budget := 500 * time.Millisecond
	now := time.Now()
	tick := func(late time.Duration, admit int) {
		for range admit {
			if !p.allow(now) {
				break
			}
		}
		now = now.Add(probeInterval)
		p.tick(late, budget, now, probeInterval)
	}
	for range 40 { // 2 s late at 20 changes/s (1 per tick): too few sends to cap
		tick(400*time.Millisecond, 1)
	}
	if p.limit() != 0 {
		t.Fatalf("a node admitting 20/s capped admission at %.0f/s", p.limit())
	}
	for range 40 { // 2 s on time at 400 changes/s (20 per tick): no cap
		tick(0, 20)
	}
	if p.limit() != 0 {
		t.Fatalf("a node on time capped admission at %.0f/s", p.limit())
	}
	tick(400*time.Millisecond, 20) // over half the budget: the first cap, 0.9 × the rate seen
	if got := p.limit(); got < 300 || got > 370 {
		t.Fatalf("first cap %.0f/s, want about 0.9 × 400/s", got)
	}
	first := p.limit()
	tick(400*time.Millisecond, 20) // still late 50 ms later: no second cut yet
	if p.limit() != first {
		t.Fatalf("cut again after 50 ms: %.0f/s", p.limit())
	}
	for range 10 { // half a second later: one more cut
		tick(400*time.Millisecond, 0)
	}
	if got := p.limit(); got < first*paceCut*0.99 || got > first*paceCut*1.01 {
		t.Fatalf("after 0.5 s late the cap is %.0f/s, want %.0f/s", got, first*paceCut)
	}
	allowed := 0
	for range 1000 { // at one instant only the burst passes: a second's worth
		if p.allow(now) {
			allowed++
		}
	}
	if want := int(p.limit()); allowed < 1 || allowed > want+1 {
		t.Fatalf("%d of 1000 admitted at once under a cap of %.0f/s, want at most a burst of %d", allowed, p.limit(), want)
	}
	for range 200 { // 10 s late whatever the node admits: the cap stops at half the best rate
		tick(400*time.Millisecond, 0)
	}
	if got, floor := p.limit(), p.peak/2; got < floor*0.99 || got > floor*1.03 || got < paceMin {
		t.Fatalf("after 10 s late the cap is %.0f/s, want it held at half the best recent rate (%.0f/s)", got, floor)
	}
	capped := p.limit()
	for range 20 { // 1 s calm: the cap climbs
		tick(0, 0)
	}
	if p.limit() <= capped {
		t.Fatalf("after 1 s calm the cap is %.0f/s, want above %.0f/s", p.limit(), capped)
	}
	for range 200 { // 10 s calm: no cap
		tick(0, 0)
	}
	if p.limit() != 0 {
		t.Fatalf("after 10 s calm the cap is still %.0f/s", p.limit())
	}
}
