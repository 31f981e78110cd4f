package hub

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/fechatter/fechatter"
)

// A member's removal is a timeline event (member_left) with the chat's next seq. The cursor
// delivers a chat's events in seq order, live or replayed, so a connection meets its user's
// removal before anything sent after it, and stops there: even on a node that never got the
// chat_left notice, nothing of the chat reaches a removed member.

var memberLeftPrefix = []byte(`{"type":"member_left",`)

// leftUser returns the user a live member_left event removes, 0 for any other event.
func leftUser(data []byte) int64 {
	if !bytes.HasPrefix(data, memberLeftPrefix) {
		return 0
	}
	var ev struct {
		UserID int64 `json:"user_id"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return 0
	}
	return ev.UserID
}

// leave drops chatID from the connection and tells the client with chat_left; it reports
// whether the connection was in the chat. The caller removes the connection from the room
// (outside every lock). c.mu must be held.
func (c *Client) leave(chatID int64) bool {
	if c.cursors[chatID] == nil {
		return false
	}
	delete(c.cursors, chatID)
	delete(c.catchup, chatID)
	c.sendMoved(encodeChatLeft(chatID))
	return true
}

// leaveLater is leave for callers that hold a shard's lock: the room is left on a goroutine.
// c.mu must be held.
func (c *Client) leaveLater(chatID int64) {
	if !c.leave(chatID) {
		return
	}
	c.h.wg.Add(1)
	go func() {
		defer c.h.wg.Done()
		c.h.rooms[shardOf(chatID)].remove(chatID, c)
	}()
}

// stillMember asks the store whether the connection's user is still in the chat, before a
// resync that skips events the removal could be among. Errors count as "still a member":
// the next event or reconnect checks again.
func (c *Client) stillMember(chatID int64) bool {
	ctx, cancel := context.WithTimeout(c.h.ctx, storeTimeout)
	defer cancel()
	_, err := c.h.cfg.Store.Member(ctx, chatID, c.userID())
	return fechatter.ErrorCode(err) != fechatter.ENotFound
}
