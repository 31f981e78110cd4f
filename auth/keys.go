package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// MinSecretLen is the shortest accepted HS256 secret: 256 bits, the size of the HMAC-SHA256 output.
const MinSecretLen = 32

// Keys are the HS256 secrets: the current one signs, it and the previous ones verify. Rotate by
// restarting with NewKeys(new, old): tokens signed with old stay valid until they expire.
type Keys struct {
	currentID string
	byID      map[string][]byte
}

// NewKeys copies the secrets. Each must be at least MinSecretLen bytes; a previous secret equal to
// another one is ignored.
func NewKeys(current []byte, previous ...[]byte) (*Keys, error) {
	k := &Keys{byID: make(map[string][]byte, 1+len(previous))}
	for i, s := range append([][]byte{current}, previous...) {
		if len(s) < MinSecretLen {
			return nil, fmt.Errorf("auth: signing secret %d is %d bytes, need at least %d", i, len(s), MinSecretLen)
		}
		id := keyID(s)
		if old, ok := k.byID[id]; ok {
			if !bytes.Equal(old, s) { // a 64-bit SHA-256 prefix collision: never in practice
				return nil, fmt.Errorf("auth: signing secrets %d and another share key id %s", i, id)
			}
			continue
		}
		k.byID[id] = bytes.Clone(s)
		if i == 0 {
			k.currentID = id
		}
	}
	return k, nil
}

// keyID is the public id of a secret, sent as the JWT "kid" header: the first 16 hex characters of
// its SHA-256.
func keyID(secret []byte) string {
	sum := sha256.Sum256(secret)
	return hex.EncodeToString(sum[:8])
}

// CurrentID is the id of the signing key (safe to log).
func (k *Keys) CurrentID() string { return k.currentID }

func (k *Keys) current() (string, []byte) { return k.currentID, k.byID[k.currentID] }

func (k *Keys) lookup(id string) ([]byte, bool) {
	s, ok := k.byID[id]
	return s, ok
}
