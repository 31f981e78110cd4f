package hub

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fechatter/fechatter"
)

// A connection lives as long as its access: its token's expiry closes it with 4001 unless the
// client sends a fresher token in band ({"type":"auth","token":…}); revoking the session or
// disabling the account closes it with 4003 on every node at once.

// expireAt (re)arms the connection's expiry at t.
func (c *Client) expireAt(t time.Time) {
	d := time.Until(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if c.expiry == nil {
		c.expiry = time.AfterFunc(d, func() { c.closeAfterFrame(DisconnectExpired) })
		return
	}
	c.expiry.Reset(d)
}

func (c *Client) stopExpiry() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expiry != nil {
		c.expiry.Stop()
	}
}

// handleAuth takes a fresh access token on an open connection: it must be the same user's,
// of a live session. The connection then lives until the new token expires.
func (c *Client) handleAuth(f *inFrame) {
	if f.Token == "" {
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "field \"token\" is required"))
		return
	}
	user, id, d := c.h.authenticateToken(c.h.ctx, f.Token)
	switch {
	case d == DisconnectRestart:
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EUnavailable, "storage is unavailable; retry"))
		return
	case d != nil:
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EUnauthorized, "%s", d.Reason))
		return
	case user.ID != c.userID():
		c.replyError(f.Ref, fechatter.Errorf(fechatter.EInvalid, "the token is another user's; open a new connection"))
		return
	}
	c.mu.Lock()
	c.session = id.Session
	c.mu.Unlock()
	c.expireAt(id.ExpiresAt)
	c.reply(encodeAuthenticated(f.Ref, id.ExpiresAt))
}

const kindRevoke = "revoke"

// revocation is the body of a revoke user event: which of the user's connections close.
type revocation struct {
	Session string `json:"session,omitempty"` // only this session's; all when ""
	Keep    string `json:"keep,omitempty"`    // except this session's
	Reason  string `json:"reason"`
}

// Revoke closes, on every node, the user's connections of session (all of them when session
// is "") except those of keep, with 4003 and reason.
func (h *Hub) Revoke(userID int64, session, keep, reason string) {
	data, _ := json.Marshal(revocation{Session: session, Keep: keep, Reason: reason})
	h.publishUser(userID, fechatter.UserEvent{Kind: kindRevoke, Data: data})
}

// revokedBy returns how to close the connection for a revoke event, nil when it spares this
// connection. c.mu must be held.
func (c *Client) revokedBy(data []byte) *Disconnect {
	var r revocation
	if err := json.Unmarshal(data, &r); err != nil {
		c.h.log.Warn("hub: unreadable revoke event", "err", err)
		return nil
	}
	if (r.Session != "" && r.Session != c.session) || (r.Keep != "" && r.Keep == c.session) {
		return nil
	}
	return revoked(r.Reason)
}

// Recheck asks the store whether every connection's session is still live and closes those
// whose session ended or whose account was disabled with 4003. The node calls it whenever it
// may have missed revoke events: after its NATS connection comes back, or when NATS dropped
// messages for it. The store is the truth; NATS only makes revocation immediate.
func (h *Hub) Recheck(ctx context.Context) {
	h.mu.Lock()
	list := make([]*Client, 0, len(h.clients))
	for c := range h.clients {
		list = append(list, c)
	}
	h.mu.Unlock()
	for _, c := range list {
		c.mu.Lock()
		uid, session := c.user.ID, c.session
		c.mu.Unlock()
		if uid == 0 {
			continue // still authenticating: it checks the store itself
		}
		cctx, cancel := context.WithTimeout(ctx, storeTimeout)
		_, err := h.cfg.Store.UserSession(cctx, uid, session)
		cancel()
		if fechatter.ErrorCode(err) == fechatter.EUnauthorized {
			c.closeAfterFrame(revoked(fechatter.ErrorMessage(err)))
		} else if err != nil {
			h.log.Warn("hub: session recheck failed", "user_id", uid, "err", err)
		}
		if ctx.Err() != nil {
			return
		}
	}
}
