package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LoadOrCreateSecret returns the signing secret kept in the file at path: its contents with
// surrounding whitespace trimmed, which must be at least MinSecretLen bytes. When the file does
// not exist it is created (mode 0600, missing directories 0700) holding 32 random bytes as 64 hex
// characters. Concurrent callers all end up with the same secret.
func LoadOrCreateSecret(path string) ([]byte, error) {
	secret, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: secret dir: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("auth: secret: %w", err)
	}
	content := []byte(hex.EncodeToString(raw) + "\n")
	if err := createExclusive(path, content); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("auth: create secret: %w", err)
	}
	return readSecret(path) // ours, or the one a concurrent caller created first
}

func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // keeps fs.ErrNotExist visible to the caller
	}
	b = bytes.TrimSpace(b)
	if len(b) < MinSecretLen {
		return nil, fmt.Errorf("auth: secret file %s holds %d bytes, need at least %d", path, len(b), MinSecretLen)
	}
	return b, nil
}

// createExclusive writes a complete file at path only if none exists: it writes a temporary file
// and hard-links it into place, so no reader ever sees a partial secret. On file systems without
// hard links it falls back to O_EXCL creation.
func createExclusive(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := writeAndClose(tmp, content); err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := writeAndClose(f, content); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

func writeAndClose(f *os.File, content []byte) error {
	_, err := f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
