package presence

import "sync"

// numShards is the number of independently locked parts of the local
// connection table. Like the hub's 64 room shards it is a constant, not a knob.
const numShards = 64

// countShard holds the connection counts of the users hashed to it.
type countShard struct {
	mu sync.Mutex
	n  map[int64]int
}

// counts is the local, authoritative table of connections per user on this
// node, split into shards so that unrelated users never contend.
type counts struct {
	shards [numShards]countShard
}

func newCounts() *counts {
	c := &counts{}
	for i := range c.shards {
		c.shards[i].n = make(map[int64]int)
	}
	return c
}

// shardIndex picks the shard of userID (a cheap mix so sequential IDs spread).
func shardIndex(userID int64) int {
	x := uint64(userID) * 0x9E3779B97F4A7C15
	return int(x >> 58) // top 6 bits: 0..63
}

// inc records one more connection and reports whether it was the user's first.
func (c *counts) inc(userID int64) (first bool) {
	s := &c.shards[shardIndex(userID)]
	s.mu.Lock()
	s.n[userID]++
	first = s.n[userID] == 1
	s.mu.Unlock()
	return first
}

// dec records one connection fewer and reports whether it was the user's
// last. ok is false for a disconnect without a matching connect, which is
// ignored so the count never goes negative.
func (c *counts) dec(userID int64) (last, ok bool) {
	s := &c.shards[shardIndex(userID)]
	s.mu.Lock()
	defer s.mu.Unlock()
	n, found := s.n[userID]
	if !found {
		return false, false
	}
	if n <= 1 {
		delete(s.n, userID)
		return true, true
	}
	s.n[userID] = n - 1
	return false, true
}

// has reports whether userID has at least one local connection.
func (c *counts) has(userID int64) bool {
	s := &c.shards[shardIndex(userID)]
	s.mu.Lock()
	_, ok := s.n[userID]
	s.mu.Unlock()
	return ok
}

// users returns the users of shard i that have a local connection.
func (c *counts) users(i int) []int64 {
	s := &c.shards[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.n))
	for id := range s.n {
		out = append(out, id)
	}
	return out
}
