package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// RefreshTTL is the default lifetime of a refresh token.
const RefreshTTL = 30 * 24 * time.Hour

const refreshTokenBytes = 32

// NewRefreshToken returns a fresh opaque refresh token (32 random bytes, unpadded base64url) for
// the client and its hash for the store.
func NewRefreshToken() (token string, hash string, err error) {
	b := make([]byte, refreshTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: refresh token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashRefreshToken(token), nil
}

// HashRefreshToken is the stored form of a refresh token: hex SHA-256 of the token string. The
// token has 256 bits of entropy, so a fast unsalted hash is enough.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewFamilyID returns a random id (16 bytes, hex) for the refresh token family of a new login.
func NewFamilyID() string {
	b := make([]byte, 16)
	rand.Read(b) // crypto/rand.Read never returns an error; it crashes the program instead
	return hex.EncodeToString(b)
}

// NewRefresh returns a fresh refresh token for the client and the record to store for it, in
// family familyID, expiring ttl after now (RefreshTTL when ttl <= 0).
func NewRefresh(userID int64, familyID string, now time.Time, ttl time.Duration) (string, fechatter.RefreshToken, error) {
	if ttl <= 0 {
		ttl = RefreshTTL
	}
	token, hash, err := NewRefreshToken()
	if err != nil {
		return "", fechatter.RefreshToken{}, err
	}
	return token, fechatter.RefreshToken{Hash: hash, UserID: userID, FamilyID: familyID, ExpiresAt: now.Add(ttl)}, nil
}
