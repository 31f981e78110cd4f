package hub

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// numShards is fixed: enough to make lock contention vanish on any realistic core count.
const numShards = 64

var shardSeed = maphash.MakeSeed()

func shardOf(id int64) int {
	return int(maphash.Comparable(shardSeed, id) % numShards)
}

// shard maps a chat (or user) ID to the local connections in it and the broker subscription
// that feeds them. The subscription exists exactly while the set is non-empty; it is taken and
// dropped under the shard lock, so join and leave of one ID never race.
type shard struct {
	mu    sync.RWMutex
	rooms map[int64]*room
}

type room struct {
	clients map[*Client]struct{}
	unsub   func()       // ends the broker subscription
	lastSeq atomic.Int64 // highest timeline seq dispatched to this room on this node
}

func (s *shard) init() { s.rooms = make(map[int64]*room) }

// add puts c in the set of id, subscribing with subscribe when it is the first. It reports
// whether a new subscription was made, and the highest seq the room has dispatched: an event
// dispatched before c joined (and after c read the chat's last seq) shows there, so the caller
// knows to catch up instead of waiting for the chat's next event to reveal the gap.
func (s *shard) add(id int64, c *Client, subscribe func(int64) (func(), error)) (fresh bool, lastSeq int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[id]
	if r != nil {
		r.clients[c] = struct{}{}
		return false, r.lastSeq.Load(), nil
	}
	unsub, err := subscribe(id)
	if err != nil {
		return false, 0, err
	}
	s.rooms[id] = &room{clients: map[*Client]struct{}{c: {}}, unsub: unsub}
	return true, 0, nil
}

// remove takes c out of the set of id and unsubscribes when it was the last.
func (s *shard) remove(id int64, c *Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[id]
	if r == nil {
		return
	}
	delete(r.clients, c)
	if len(r.clients) == 0 {
		delete(s.rooms, id)
		if r.unsub != nil {
			r.unsub()
		}
	}
}

// each calls fn for every client in the set of id, under the read lock, after recording seq
// (when > 0) as dispatched. fn must not block.
func (s *shard) each(id, seq int64, fn func(*Client)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.rooms[id]; r != nil {
		for prev := r.lastSeq.Load(); seq > prev && !r.lastSeq.CompareAndSwap(prev, seq); prev = r.lastSeq.Load() {
		}
		for c := range r.clients {
			fn(c)
		}
	}
}

// count returns the number of local clients in id (for tests and metrics).
func (s *shard) count(id int64) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.rooms[id]; r != nil {
		return len(r.clients)
	}
	return 0
}
