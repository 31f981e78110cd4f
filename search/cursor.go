package search

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// cursor is where the next page of a search starts. It travels to the client signed with
// HMAC-SHA256, so a client can neither forge one nor move one to another search.
type cursor struct {
	Recent   bool   `json:"r,omitempty"`
	Offset   int    `json:"o,omitempty"` // relevance order
	BeforeID int64  `json:"b,omitempty"` // recent order
	Search   string `json:"s"`           // fingerprint of the user and search it belongs to
}

// signer signs and verifies cursors with a key shared by every node.
type signer struct{ key []byte }

func (s signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

func (s signer) encode(c cursor) string {
	payload, _ := json.Marshal(c) // plain struct: never fails
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload))
}

// decode verifies and parses a cursor made by encode for the search with fingerprint fp.
func (s signer) decode(raw, fp string) (cursor, error) {
	bad := invalid("query parameter \"cursor\" is invalid or was tampered with; start again without it")
	if len(raw) > 512 {
		return cursor{}, bad
	}
	p, m, ok := strings.Cut(raw, ".")
	// One encoding per cursor: Strict refuses ignored padding bits, and the round trip refuses
	// the line breaks every base64 decoder skips.
	enc := base64.RawURLEncoding.Strict()
	payload, err1 := enc.DecodeString(p)
	sum, err2 := enc.DecodeString(m)
	if !ok || err1 != nil || err2 != nil || enc.EncodeToString(payload) != p || enc.EncodeToString(sum) != m ||
		!hmac.Equal(sum, s.mac(payload)) {
		return cursor{}, bad
	}
	var c cursor
	if err := json.Unmarshal(payload, &c); err != nil || c.Offset < 0 || c.BeforeID < 0 {
		return cursor{}, bad
	}
	if c.Search != fp {
		return cursor{}, invalid("query parameter \"cursor\" belongs to another search; start again without it")
	}
	return c, nil
}

// fingerprint identifies a search (its user and every parameter but the cursor and limit).
func fingerprint(parts string) string {
	sum := sha256.Sum256([]byte(parts))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}
