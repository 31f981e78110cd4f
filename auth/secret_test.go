package auth

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "jwt.secret")
	s1, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s1) < MinSecretLen {
		t.Fatalf("secret is %d bytes", len(s1))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, %v", fi.Mode(), err)
	}
	s2, err := LoadOrCreateSecret(path)
	if err != nil || !bytes.Equal(s1, s2) {
		t.Fatalf("second load differs: %v", err)
	}
	if _, err := NewKeys(s1); err != nil {
		t.Fatalf("created secret unusable: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestLoadSecretFromOperator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	want := bytes.Repeat([]byte("k"), 40)
	if err := os.WriteFile(path, append(want, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreateSecret(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %q, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("too short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSecret(path); err == nil {
		t.Fatal("short secret accepted")
	}
	if got, _ := os.ReadFile(path); string(got) != "too short\n" {
		t.Fatal("existing secret file was overwritten")
	}
}

func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	const n = 8
	secrets := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Go(func() { secrets[k], errs[k] = LoadOrCreateSecret(path) })
	}
	wg.Wait()
	for k := range n {
		if errs[k] != nil || !bytes.Equal(secrets[k], secrets[0]) {
			t.Fatalf("caller %d: %q, %v; caller 0: %q", k, secrets[k], errs[k], secrets[0])
		}
	}
}
