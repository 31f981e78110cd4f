package hub

import (
	"fmt"

	"github.com/coder/websocket"
)

// Disconnect is why the server closes a connection: a WebSocket close code and a reason. What
// the client should do next depends on the code alone (see Advice), never on the value.
type Disconnect struct {
	Code   websocket.StatusCode
	Reason string
}

func (d *Disconnect) Error() string { return fmt.Sprintf("disconnect %d: %s", d.Code, d.Reason) }

// Advice is what a client should do after a close, as docs/protocol.md ("Close codes") states
// it for each code.
type Advice int

const (
	// AdviceResume: reconnect with backoff and jitter (to any node) and resume.
	AdviceResume Advice = iota
	// AdviceNone: a normal close; nothing went wrong and nothing is owed.
	AdviceNone
	// AdviceFix: the client broke a protocol limit; fix it, then reconnect.
	AdviceFix
	// AdviceRefresh: get a fresh access token, then reconnect and resume.
	AdviceRefresh
	// AdviceLogin: access was revoked; do not reconnect with these credentials, log in again.
	AdviceLogin
)

// CloseRevoked is the close code of a connection whose access was revoked.
const CloseRevoked websocket.StatusCode = 4003

// advice is the one table of close codes and what each asks of the client.
var advice = map[websocket.StatusCode]Advice{
	websocket.StatusNormalClosure:  AdviceNone,
	websocket.StatusGoingAway:      AdviceResume, // no pong: the socket was dead
	websocket.StatusMessageTooBig:  AdviceFix,    // set by coder/websocket past ReadLimit
	websocket.StatusServiceRestart: AdviceResume,
	4001:                           AdviceRefresh,
	CloseRevoked:                   AdviceLogin,
	4008:                           AdviceResume, // slow consumer
	4009:                           AdviceResume, // rate limited
}

// AdviceFor returns what a client should do after a close with code. A code outside the
// contract (a proxy's, a network drop's 1006) is treated as a lost connection: resume.
func AdviceFor(code websocket.StatusCode) Advice {
	if a, ok := advice[code]; ok {
		return a
	}
	return AdviceResume
}

// The close codes of the wire contract.
var (
	DisconnectNormal      = &Disconnect{Code: websocket.StatusNormalClosure, Reason: "bye"}
	DisconnectExpired     = &Disconnect{Code: 4001, Reason: "token expired"}
	DisconnectSlow        = &Disconnect{Code: 4008, Reason: "slow consumer"}
	DisconnectRateLimited = &Disconnect{Code: 4009, Reason: "rate limited"}
	DisconnectRestart     = &Disconnect{Code: websocket.StatusServiceRestart, Reason: "server restart"}
	DisconnectStale       = &Disconnect{Code: websocket.StatusGoingAway, Reason: "no pong"}
	// DisconnectLost is no decision of the server's: a write or a ping failed because the
	// socket was already gone (the peer closed or dropped it). It is counted apart from "no
	// pong" so that the metric tells a dead client from one that went away.
	DisconnectLost = &Disconnect{Code: websocket.StatusGoingAway, Reason: "connection lost"}
)

func unauthorized(reason string) *Disconnect {
	return &Disconnect{Code: 4001, Reason: reason}
}

// revoked closes a connection whose access was taken away: the account was disabled, the
// session ended (logout, logout everywhere, a password change). Do not reconnect with the
// same credentials.
func revoked(reason string) *Disconnect {
	return &Disconnect{Code: CloseRevoked, Reason: reason}
}
