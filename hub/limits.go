package hub

import (
	"context"
	"time"

	"github.com/fechatter/fechatter"
)

// SendLimiter charges a send to its sender, whichever socket or REST call it came through
// and on whichever node; internal/node adapts internal/ratelimit to it.
type SendLimiter interface {
	AllowSend(ctx context.Context, userID int64) (ok bool, retryAfter time.Duration)
}

// admitSend charges one send to the user. A refused send is not stored: retrying the same
// client_id later is safe.
func (h *Hub) admitSend(ctx context.Context, userID int64) error {
	if h.cfg.SendLimiter == nil {
		return nil
	}
	if ok, retry := h.cfg.SendLimiter.AllowSend(ctx, userID); !ok {
		return fechatter.RateLimited(retry, "too many messages")
	}
	return nil
}
