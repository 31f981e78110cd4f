package push

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of notice.
const (
	KindMention = "mention" // the message mentions the user by name
	KindDM      = "dm"      // a direct message to the user (without a mention of them)
)

// Notice is the body of one push request: IDs only, never the message text. ID names the
// delivery (the same on every retry): receivers drop a notice whose ID they already handled.
type Notice struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	WorkspaceID int64     `json:"workspace_id"`
	ChatID      int64     `json:"chat_id"`
	MessageID   int64     `json:"message_id"`
	Seq         int64     `json:"seq"`
	UserID      int64     `json:"user_id"`   // the recipient
	SenderID    int64     `json:"sender_id"` // who wrote the message
	CreatedAt   time.Time `json:"created_at"`
}

// Headers of a push request.
const (
	HeaderSignature = "Fechatter-Signature"
	HeaderDelivery  = "Fechatter-Delivery"
)

// DefaultTolerance is how old a signature Verify accepts by default.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Fechatter-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("push: signature does not match")
	ErrStale        = errors.New("push: signature timestamp outside the tolerance")
	ErrMalformed    = errors.New("push: malformed signature header")
)

// Verify checks a Fechatter-Signature header against body, as a receiver must: the HMAC
// matches (compared in constant time) and its timestamp is within tolerance of now, so a
// captured request cannot be replayed later.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrMalformed
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil {
				return ErrMalformed
			}
			sigs = append(sigs, b)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrMalformed
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w (%s)", ErrStale, d.Round(time.Second))
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}
