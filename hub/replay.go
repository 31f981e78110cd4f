package hub

import "time"

// Replays (a resume's, a gap's, a recovery's) read the store and queue events for one
// connection, and a reconnect storm starts thousands at once. They take turns so that they
// cannot starve live delivery and the send path: at most ReplayConcurrency store reads for
// replays run at once on the node, and none starts while the node is past its budget, for up
// to maxReplayWait (after that it goes ahead: a node late for long still owes every client
// what it missed). A replay that waits only delays its own connection, whose live events wait
// behind its replay anyway; the client's position and the resync bound (MaxReplay) are
// unchanged.

// maxReplayWait is how long a replay page waits for the node to be back under its budget.
const maxReplayWait = 10 * time.Second

// replayTurn waits for a replay's turn at the store; release must be called after the read.
// ok is false when the hub is closing.
func (h *Hub) replayTurn() (release func(), ok bool) {
	h.m.replaysWaiting.Inc()
	defer h.m.replaysWaiting.Dec()
	if budget := h.load.budget; budget > 0 {
		for deadline := time.Now().Add(maxReplayWait); time.Now().Before(deadline) && h.lateness(time.Now()) > budget; {
			select {
			case <-time.After(probeInterval):
			case <-h.ctx.Done():
				return nil, false
			}
		}
	}
	select {
	case h.replaySlots <- struct{}{}:
		return func() { <-h.replaySlots }, true
	case <-h.ctx.Done():
		return nil, false
	}
}
