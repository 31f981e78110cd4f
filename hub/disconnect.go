package hub

import (
	"fmt"

	"github.com/coder/websocket"
)

// Disconnect is why the server closes a connection: a WebSocket close code and a reason.
// Codes 4000-4499 mean "do not reconnect without fixing something" (4001), the rest and
// 1012 mean "reconnect with backoff and resume".
type Disconnect struct {
	Code      websocket.StatusCode
	Reason    string
	Reconnect bool
}

func (d *Disconnect) Error() string { return fmt.Sprintf("disconnect %d: %s", d.Code, d.Reason) }

// The close codes of the wire contract.
var (
	DisconnectNormal       = &Disconnect{Code: websocket.StatusNormalClosure, Reason: "bye", Reconnect: false}
	DisconnectUnauthorized = &Disconnect{Code: 4001, Reason: "unauthorized", Reconnect: false}
	DisconnectExpired      = &Disconnect{Code: 4001, Reason: "token expired", Reconnect: false}
	DisconnectSlow         = &Disconnect{Code: 4008, Reason: "slow consumer", Reconnect: true}
	DisconnectRateLimited  = &Disconnect{Code: 4009, Reason: "rate limited", Reconnect: true}
	DisconnectRestart      = &Disconnect{Code: websocket.StatusServiceRestart, Reason: "server restart", Reconnect: true}
	DisconnectStale        = &Disconnect{Code: websocket.StatusGoingAway, Reason: "no pong", Reconnect: true}
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

// CloseRevoked is the close code of a connection whose access was revoked.
const CloseRevoked websocket.StatusCode = 4003
