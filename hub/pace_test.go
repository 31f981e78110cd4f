package hub

import (
	"testing"
	"time"
)

// pace caps admission only after the node was late: first at what it was admitting, cut by a
// fifth at most every half second while late, holding a little late, back quickly to where it
// was last late once calm, then probing beyond, and gone after 10 s of calm.
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
		p.tick(late, late, budget, now, probeInterval)
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
	for range 1000 { // at one instant only the burst passes: a quarter budget's worth
		if p.allow(now) {
			allowed++
		}
	}
	if want := int(p.limit() * budget.Seconds() / 4); allowed < want-1 || allowed > want+1 {
		t.Fatalf("%d of 1000 admitted at once under a cap of %.0f/s, want a burst of %d", allowed, p.limit(), want)
	}
	cut := p.limit()
	for range 20 { // 1 s calm after the cut: most of the way back to where the node was late
		tick(0, 0)
	}
	if got := p.limit(); got < cut+0.6*(first-cut) || got > first {
		t.Fatalf("1 s calm after a cut from %.0f/s to %.0f/s: cap %.0f/s, want two thirds of the way back", first, cut, got)
	}
	for range 60 { // 3 s more: past it, probing beyond
		tick(0, 0)
	}
	if got := p.limit(); got <= first {
		t.Fatalf("4 s calm: cap %.0f/s, want above %.0f/s where the node was last late", got, first)
	}
	for range 200 { // 10 s late whatever the node admits: the cap stops at half the best rate
		tick(400*time.Millisecond, 0)
	}
	if got, floor := p.limit(), p.peak/2; got < floor*0.99 || got > floor*1.03 || got < paceMin {
		t.Fatalf("after 10 s late the cap is %.0f/s, want it held at half the best recent rate (%.0f/s)", got, floor)
	}
	for range 10 { // between a quarter and half the budget late: the cap holds
		held := p.limit()
		tick(200*time.Millisecond, 0)
		if p.limit() < held*0.999 || p.limit() > held*1.001 {
			t.Fatalf("a quarter to half the budget late moved the cap from %.0f/s to %.0f/s", held, p.limit())
		}
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

// One stall cuts the cap once: lateness still read after a cut but measured by waits that
// began before it (fresh is 0) holds the cap, however long the clocks keep showing it; a wait
// that began after the cut and is itself over half the budget cuts again.
func TestPaceCutsOncePerStall(t *testing.T) {
	var p pace
	budget := 500 * time.Millisecond
	now := time.Now()
	tick := func(late, fresh time.Duration, admit int) {
		for range admit {
			if !p.allow(now) {
				break
			}
		}
		now = now.Add(probeInterval)
		p.tick(late, fresh, budget, now, probeInterval)
	}
	for range 40 { // 2 s on time at 400 changes/s
		tick(0, 0, 20)
	}
	tick(300*time.Millisecond, 300*time.Millisecond, 20)
	first := p.limit()
	if first == 0 || p.cutAt() != now {
		t.Fatalf("a fresh stall over half the budget did not cut (cap %.0f/s)", first)
	}
	for range 40 { // 2 s of the same stall, read again and again: no second cut
		tick(300*time.Millisecond, 0, 20)
	}
	if got := p.limit(); got < first*0.999 || got > first*1.001 {
		t.Fatalf("a stall measured before the cut moved the cap from %.0f/s to %.0f/s", first, got)
	}
	tick(300*time.Millisecond, 260*time.Millisecond, 20) // a wait begun after the cut
	if got := p.limit(); got < first*paceCut*0.99 || got > first*paceCut*1.01 {
		t.Fatalf("a fresh stall after the cut left the cap at %.0f/s, want %.0f/s", got, first*paceCut)
	}
}
