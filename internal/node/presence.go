package node

import (
	"context"

	"github.com/fechatter/fechatter/presence"
)

// presenceTracker is a presence backend: the hub counts connections in it, REST reads it.
type presenceTracker interface {
	Connect(ctx context.Context, userID int64) (bool, error)
	Disconnect(ctx context.Context, userID int64) (bool, error)
	Online(ctx context.Context, userIDs []int64) (map[int64]bool, error)
	Run(ctx context.Context) error
}

// openPresence picks the presence backend: in memory for a single node.
func (n *Node) openPresence() (presenceTracker, error) {
	return presence.NewMemory(), nil
}

// runPresence runs the backend's background work until the node shuts down.
func (n *Node) runPresence() {
	ctx, cancel := context.WithCancel(context.Background())
	n.stopPresence = cancel
	done := make(chan struct{})
	n.presenceDone = done
	go func() {
		defer close(done)
		if err := n.presence.Run(ctx); err != nil && ctx.Err() == nil {
			n.log.Error("presence: stopped", "err", err)
		}
	}()
}
