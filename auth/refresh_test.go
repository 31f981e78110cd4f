package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"
)

func TestNewRefreshToken(t *testing.T) {
	tok, hash, err := NewRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q decodes to %d bytes (%v)", tok, len(raw), err)
	}
	sum := sha256.Sum256([]byte(tok))
	if hash != hex.EncodeToString(sum[:]) || HashRefreshToken(tok) != hash || len(hash) != 64 {
		t.Fatalf("hash %q is not hex SHA-256 of the token", hash)
	}
	tok2, hash2, err := NewRefreshToken()
	if err != nil || tok2 == tok || hash2 == hash {
		t.Fatal("refresh tokens repeat")
	}
	if HashRefreshToken(tok+"x") == hash {
		t.Fatal("hash ignores input")
	}
}

func TestNewFamilyID(t *testing.T) {
	a, b := NewFamilyID(), NewFamilyID()
	if raw, err := hex.DecodeString(a); err != nil || len(raw) != 16 || a == b {
		t.Fatalf("family ids %q %q", a, b)
	}
}

func TestNewRefresh(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	tok, rec, err := NewRefresh(9, "fam", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Hash != HashRefreshToken(tok) || rec.UserID != 9 || rec.FamilyID != "fam" ||
		!rec.ExpiresAt.Equal(now.Add(30*24*time.Hour)) || RefreshTTL != 30*24*time.Hour {
		t.Fatalf("record = %+v", rec)
	}
	if _, rec, _ = NewRefresh(9, "fam", now, time.Hour); !rec.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("custom ttl: %v", rec.ExpiresAt)
	}
}
