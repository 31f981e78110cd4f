package presence

import "context"

// Memory tracks presence for a single node in memory. It is the default
// backend: with one node, local connection counts are the whole truth.
// The zero value is not usable; call NewMemory.
type Memory struct {
	c *counts
}

// NewMemory returns an empty in-memory tracker.
func NewMemory() *Memory {
	return &Memory{c: newCounts()}
}

// Connect records one more connection of userID. becameOnline is true when
// it is the user's first.
func (m *Memory) Connect(_ context.Context, userID int64) (becameOnline bool, err error) {
	return m.c.inc(userID), nil
}

// Disconnect records one connection fewer. wentOffline is true when it was
// the user's last. A Disconnect without a matching Connect is ignored.
func (m *Memory) Disconnect(_ context.Context, userID int64) (wentOffline bool, err error) {
	last, _ := m.c.dec(userID)
	return last, nil
}

// Online reports, for every ID in userIDs, whether the user has a connection.
func (m *Memory) Online(_ context.Context, userIDs []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(userIDs))
	for _, id := range userIDs {
		out[id] = m.c.has(id)
	}
	return out, nil
}

// Run has no background work to do; it blocks until ctx ends and returns nil,
// so it can sit in an errgroup next to the Redis backend's Run.
func (m *Memory) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
