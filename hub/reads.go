package hub

import (
	"context"

	"github.com/fechatter/fechatter"
)

// readPositions fills the ready event's member read positions of the chats not larger than
// Config.PresenceFanout (the chats that show "seen by"; members of larger ones ask
// GET /chats/{id}/reads), in one store call.
func (h *Hub) readPositions(ctx context.Context, chats []fechatter.ChatSummary, list []chatSeq) error {
	ids := make([]int64, 0, len(chats))
	for _, ch := range chats {
		if ch.MemberCount <= int64(h.cfg.PresenceFanout) {
			ids = append(ids, ch.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	reads, err := h.cfg.Store.ReadsOf(ctx, ids)
	if err != nil {
		return err
	}
	for i, ch := range chats {
		if ch.MemberCount <= int64(h.cfg.PresenceFanout) {
			list[i].Reads = reads[ch.ID]
		}
	}
	return nil
}
