package presence

import "context"

// Heartbeat runs one heartbeat (without sweeping), for tests and benchmarks.
func (r *Redis) Heartbeat(ctx context.Context) error {
	_, err := r.heartbeat(ctx, false)
	return err
}
