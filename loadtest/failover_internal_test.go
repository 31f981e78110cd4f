package loadtest

import "testing"

// The users of a node that died spread evenly over the survivors, and a client whose dials
// keep failing tries every other node once before any node twice (and never its own first).
func TestFailoverSpreadsADeadNodesUsers(t *testing.T) {
	const n, users, dead = 7, 7000, 3
	landed := make([]int, n)
	for k := dead; k < users; k += n {
		landed[failover(dead, k, 0, n)]++
	}
	if landed[dead] != 0 {
		t.Fatalf("%d users failed over to the node that died", landed[dead])
	}
	for node, got := range landed {
		if node != dead && (got < users/n/(n-1)-1 || got > users/n/(n-1)+1) {
			t.Fatalf("node %d took %d of the dead node's %d users: %v", node, got, users/n, landed)
		}
	}
	for k := range 3 * n {
		seen := map[int]bool{}
		for moved := range n - 1 {
			seen[failover(k%n, k, moved, n)] = true
		}
		if len(seen) != n-1 || seen[k%n] {
			t.Fatalf("user %d from node %d: %d moves tried %v", k, k%n, n-1, seen)
		}
	}
	if got := failover(0, 5, 0, 1); got != 0 {
		t.Fatalf("one node: moved to %d", got)
	}
}
