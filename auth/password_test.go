package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

// testParams keep argon2 fast where the cost is not the point of the test.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerifyRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(testParams, 2)
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded = %q", enc)
	}
	if ok, err := h.Verify(ctx, "correct horse", enc); err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	for _, wrong := range []string{"correct horsE", "correct horse ", "", "correct"} {
		if ok, err := h.Verify(ctx, wrong, enc); err != nil || ok {
			t.Fatalf("Verify(%q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
	enc2, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if enc2 == enc {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestDefaultParams(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultParams, 0)
	if cap(h.sem) != runtime.NumCPU() {
		t.Fatalf("default concurrency = %d, want %d", cap(h.sem), runtime.NumCPU())
	}
	if h.Params() != (Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}) {
		t.Fatalf("DefaultParams = %+v", h.Params())
	}
	enc, err := h.Hash(ctx, "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" {
		t.Fatalf("encoded = %q", enc)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes (%v), key %d bytes (%v)", len(salt), err1, len(key), err2)
	}
	if ok, err := h.Verify(ctx, "hunter2", enc); err != nil || !ok {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(ctx, "hunter3", enc); ok {
		t.Fatal("wrong password verified")
	}
	if h.NeedsRehash(enc) {
		t.Fatal("fresh default hash needs rehash")
	}
	// Zero Params mean DefaultParams.
	if NewHasher(Params{}, 1).Params() != DefaultParams {
		t.Fatal("zero Params are not DefaultParams")
	}
}

// A hash made by the reference C implementation (argon2-cffi documentation) verifies: the PHC
// encoding and parameter parsing interoperate.
func TestVerifyReferenceHash(t *testing.T) {
	const enc = "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg"
	h := NewHasher(testParams, 1)
	if ok, err := h.Verify(context.Background(), "correct horse battery staple", enc); err != nil || !ok {
		t.Fatalf("Verify(reference) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(context.Background(), "Correct horse battery staple", enc); err != nil || ok {
		t.Fatalf("Verify(reference, wrong) = %v, %v", ok, err)
	}
}

// Verify takes the cost from the stored string, so hashes survive a change of parameters.
func TestVerifyUsesStoredParams(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(testParams, 1)
	enc, err := old.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	stronger := NewHasher(Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, 1)
	if ok, err := stronger.Verify(ctx, "pw", enc); err != nil || !ok {
		t.Fatalf("Verify with new params = %v, %v", ok, err)
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	h := NewHasher(testParams, 1)
	good, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(good, "$") // "", argon2id, v=19, m=64,t=1,p=1, salt, key
	salt, key := p[4], p[5]
	join := func(parts ...string) string { return strings.Join(parts, "$") }
	cases := map[string]string{
		"empty":           "",
		"plain text":      "pw",
		"bcrypt":          "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":         join("", "argon2i", "v=19", "m=64,t=1,p=1", salt, key),
		"argon2d":         join("", "argon2d", "v=19", "m=64,t=1,p=1", salt, key),
		"old version":     join("", "argon2id", "v=16", "m=64,t=1,p=1", salt, key),
		"no version":      join("", "argon2id", "m=64,t=1,p=1", salt, key),
		"extra segment":   good + "$x",
		"no leading $":    strings.TrimPrefix(good, "$"),
		"missing p":       join("", "argon2id", "v=19", "m=64,t=1", salt, key),
		"reordered":       join("", "argon2id", "v=19", "t=1,m=64,p=1", salt, key),
		"not a number":    join("", "argon2id", "v=19", "m=abc,t=1,p=1", salt, key),
		"signed number":   join("", "argon2id", "v=19", "m=+64,t=1,p=1", salt, key),
		"leading zero":    join("", "argon2id", "v=19", "m=064,t=1,p=1", salt, key),
		"zero time":       join("", "argon2id", "v=19", "m=64,t=0,p=1", salt, key),
		"zero threads":    join("", "argon2id", "v=19", "m=64,t=1,p=0", salt, key),
		"threads > 255":   join("", "argon2id", "v=19", "m=4096,t=1,p=256", salt, key),
		"memory < 8p":     join("", "argon2id", "v=19", "m=8,t=1,p=2", salt, key),
		"memory too big":  join("", "argon2id", "v=19", "m=4194304,t=1,p=1", salt, key),
		"time too big":    join("", "argon2id", "v=19", "m=64,t=1000000,p=1", salt, key),
		"bad salt b64":    join("", "argon2id", "v=19", "m=64,t=1,p=1", "!!!!", key),
		"padded salt":     join("", "argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key),
		"url b64 salt":    join("", "argon2id", "v=19", "m=64,t=1,p=1", "-_-_-_-_-_-_-_-_", key),
		"short salt":      join("", "argon2id", "v=19", "m=64,t=1,p=1", "c2FsdA", key),
		"empty hash":      join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, ""),
		"short hash":      join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, "c2hvcnQ"),
		"non-canonical":   join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, key[:len(key)-1]+"B"),
		"trailing spaces": good + " ",
	}
	for name, enc := range cases {
		ok, err := h.Verify(context.Background(), "pw", enc)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: Verify(%q) = %v, %v; want false, ErrMalformedHash", name, enc, ok, err)
		}
		if !h.NeedsRehash(enc) {
			t.Errorf("%s: NeedsRehash = false for a malformed hash", name)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	enc, err := NewHasher(testParams, 1).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    Params
		want bool
	}{
		{testParams, false},
		{Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 24, KeyLen: 32}, true},
		{Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}, true},
		{Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, false}, // stored is stronger
		{Params{Memory: 64, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32}, false}, // threads ignored
	} {
		if got := NewHasher(tc.p, 1).NeedsRehash(enc); got != tc.want {
			t.Errorf("NeedsRehash with %+v = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestDummyVerify(t *testing.T) {
	h := NewHasher(testParams, 1)
	if err := h.DummyVerify(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
	if len(h.sem) != 0 {
		t.Fatal("DummyVerify leaked its semaphore slot")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.DummyVerify(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("DummyVerify(cancelled) = %v", err)
	}
}

func TestSemaphoreCapsConcurrency(t *testing.T) {
	h := NewHasher(testParams, 1)
	enc, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.acquire(context.Background()); err != nil { // occupy the only slot
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(cancelled, "pw"); fechatter.ErrorCode(err) != fechatter.EUnavailable || !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash while full, cancelled ctx: %v", err)
	}
	if ok, err := h.Verify(cancelled, "pw", enc); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify while full, cancelled ctx: %v, %v", ok, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	_, err = h.Hash(short, "pw")
	if fechatter.ErrorCode(err) != fechatter.EUnavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash while full, deadline: %v", err)
	}
	if msg := fechatter.ErrorMessage(err); msg != "server busy, retry later" {
		t.Fatalf("client message %q", msg)
	}

	// A waiter with a live context blocks until the slot is released, then succeeds.
	done := make(chan error, 1)
	go func() {
		ok, err := h.Verify(context.Background(), "pw", enc)
		if err == nil && !ok {
			err = errors.New("password did not verify")
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Verify finished while the only slot was held: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	h.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(h.sem) != 0 {
		t.Fatalf("%d slots still held", len(h.sem))
	}
}

// Many concurrent callers all finish and leave no slot held.
func TestSemaphoreUnderLoad(t *testing.T) {
	const limit, callers = 2, 8
	h := NewHasher(testParams, limit)
	errs := make(chan error, callers)
	for range callers {
		go func() {
			enc, err := h.Hash(context.Background(), "pw")
			if err == nil {
				var ok bool
				if ok, err = h.Verify(context.Background(), "pw", enc); err == nil && !ok {
					err = errors.New("password did not verify")
				}
			}
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if cap(h.sem) != limit || len(h.sem) != 0 {
		t.Fatalf("cap %d len %d", cap(h.sem), len(h.sem))
	}
}

func TestNewHasherRejectsWeakParams(t *testing.T) {
	for _, p := range []Params{
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 8, Time: 1, Threads: 4, SaltLen: 16, KeyLen: 32},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1)
		}()
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
