package hub

import (
	"context"
	"slices"
	"time"
)

// Presence tracks who is online on any node; presence.Memory and presence.Redis implement it.
type Presence interface {
	Connect(ctx context.Context, userID int64) (becameOnline bool, err error)
	Disconnect(ctx context.Context, userID int64) (wentOffline bool, err error)
}

const presenceTimeout = 2 * time.Second

// presenceChats snapshots the chats that hear about the client's user coming and going:
// those not larger than Config.PresenceFanout, so connecting a giant room is not quadratic.
func (c *Client) presenceChats() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]int64, 0, len(c.cursors))
	for id, cur := range c.cursors {
		if !cur.large {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// connected records a new connection of the user and reports whether the user was offline
// everywhere before it, so the caller tells the people who share a chat with them.
func (h *Hub) connected(userID int64) bool {
	if h.cfg.Presence == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(h.ctx, presenceTimeout)
	defer cancel()
	became, err := h.cfg.Presence.Connect(ctx, userID)
	if err != nil {
		h.presenceLog.Warn(h.log, time.Now(), "presence: calls degraded to this node's view", "last", "connect", "err", err)
	}
	return became
}

// offline records a closed connection and announces the user offline after their last one.
func (h *Hub) offline(userID int64, chats []int64) {
	if h.cfg.Presence == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), presenceTimeout)
	defer cancel()
	went, err := h.cfg.Presence.Disconnect(ctx, userID)
	if err != nil {
		h.presenceLog.Warn(h.log, time.Now(), "presence: calls degraded to this node's view", "last", "disconnect", "err", err)
	}
	if went {
		h.announcePresence(userID, false, chats)
	}
}

// announcePresence sends a presence event to each of the user's chats; the user's own
// connections are skipped. Someone sharing several chats with the user gets it once per chat:
// presence is state, not a delta.
func (h *Hub) announcePresence(userID int64, online bool, chats []int64) {
	data := encodePresence(userID, online)
	for _, id := range chats {
		h.publishEphemeral(id, userID, data)
	}
}

// UsersOffline announces users offline whose node died; the presence sweeper calls it and
// must not wait, so the work (a chat lookup per user) runs on its own goroutine.
func (h *Hub) UsersOffline(userIDs []int64) {
	ids := slices.Clone(userIDs)
	h.goBackground(func() { h.announceAll(ids, false) })
}

// UsersOnline announces users online again after this node re-registered them with a
// presence backend that had written it off.
func (h *Hub) UsersOnline(userIDs []int64) {
	ids := slices.Clone(userIDs)
	h.goBackground(func() { h.announceAll(ids, true) })
}

func (h *Hub) announceAll(userIDs []int64, online bool) {
	for _, uid := range userIDs {
		if h.ctx.Err() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(h.ctx, storeTimeout)
		chats, err := h.cfg.Store.ChatsForUser(ctx, uid)
		cancel()
		if err != nil {
			h.log.Warn("presence: cannot list the chats of a user", "user_id", uid, "err", err)
			continue
		}
		ids := make([]int64, 0, len(chats))
		for _, ch := range chats {
			if ch.MemberCount <= int64(h.cfg.PresenceFanout) {
				ids = append(ids, ch.ID)
			}
		}
		h.announcePresence(uid, online, ids)
	}
}
