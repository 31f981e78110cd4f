package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

const (
	numShards = 64
	// DefaultMaxKeys bounds a Memory: about 25 MB of keys at most.
	DefaultMaxKeys = 1 << 18
	minSweep       = 64 // a shard never sweeps below this many keys
	evictSample    = 8  // keys looked at to pick one to evict
)

// MemoryOptions configure a Memory.
type MemoryOptions struct {
	// Now is the clock; default time.Now. Tests move it by hand.
	Now func() time.Time
	// MaxKeys bounds the keys held; default DefaultMaxKeys. Past it, the least constrained
	// keys (the nearest to a full limit) are forgotten first.
	MaxKeys int
	// Metrics counts refused checks; nil counts nothing.
	Metrics *Metrics
}

// Memory keeps limits in this process.
type Memory struct {
	now      func() time.Time
	perShard int
	m        *Metrics
	seed     maphash.Seed
	shards   [numShards]memShard
}

type memShard struct {
	mu      sync.Mutex
	tat     map[string]int64 // key → theoretical arrival time (Unix ns); past = full limit
	sweepAt int              // sweep expired keys when the shard reaches this size
}

// NewMemory returns an empty in-memory limiter.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	m := &Memory{now: opts.Now, perShard: max(1, opts.MaxKeys/numShards), m: opts.Metrics, seed: maphash.MakeSeed()}
	for i := range m.shards {
		m.shards[i].tat = map[string]int64{}
		m.shards[i].sweepAt = minSweep
	}
	return m
}

func (m *Memory) shard(key string) *memShard {
	return &m.shards[maphash.String(m.seed, key)%numShards]
}

// Allow charges one event to key under l and says whether it may happen now.
func (m *Memory) Allow(_ context.Context, key string, l Limit) Result {
	if l.Off() {
		return allowed
	}
	now := m.now().UnixNano()
	s := m.shard(key)
	s.mu.Lock()
	tat, known := s.tat[key]
	next, res := gcra(tat, now, l)
	if res.Allowed {
		if !known {
			s.makeRoom(now, m.perShard)
		}
		s.tat[key] = next
	}
	s.mu.Unlock()
	m.m.observe(key, res)
	return res
}

// Reset forgets key: its limit is full again.
func (m *Memory) Reset(_ context.Context, key string) error {
	s := m.shard(key)
	s.mu.Lock()
	delete(s.tat, key)
	s.mu.Unlock()
	return nil
}

// makeRoom runs before a new key is added. Expired keys are swept whenever the shard has
// doubled since the last sweep (amortised O(1) per key); a shard at its bound evicts the key
// with the earliest tat among a few picked at random, which is an expired one when there is
// any and never one that is far from full when most keys are one-shot.
func (s *memShard) makeRoom(now int64, bound int) {
	if len(s.tat) >= s.sweepAt {
		for k, t := range s.tat {
			if t <= now {
				delete(s.tat, k)
			}
		}
		s.sweepAt = max(2*len(s.tat), minSweep)
	}
	for len(s.tat) >= bound {
		victim, least, n := "", int64(0), 0
		for k, t := range s.tat {
			if n == 0 || t < least {
				victim, least = k, t
			}
			if n++; n == evictSample {
				break
			}
		}
		delete(s.tat, victim)
	}
}
