package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/fechatter/fechatter"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams meet the OWASP argon2id recommendation (19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds for parameters, both for a Hasher and for hashes parsed from storage (a corrupt or
// hostile stored hash must not make Verify allocate gigabytes or loop for minutes).
const (
	minSaltLen = 8
	minKeyLen  = 16
	maxSaltLen = 256
	maxKeyLen  = 256
	maxMemory  = 1 << 20 // KiB, 1 GiB
	maxTime    = 64
)

// ErrMalformedHash is wrapped by the errors of Verify for a stored hash it cannot parse.
const ErrMalformedHash = hashError("auth: malformed password hash")

type hashError string

func (e hashError) Error() string { return string(e) }

// Hasher hashes and verifies passwords with argon2id, at most maxConcurrent at a time.
type Hasher struct {
	p   Params
	sem chan struct{}
}

// NewHasher returns a Hasher. Zero fields of p take the value of DefaultParams; maxConcurrent <= 0
// means runtime.NumCPU(). It panics on parameters outside sane bounds (a programming error).
func NewHasher(p Params, maxConcurrent int) *Hasher {
	if p.Memory == 0 {
		p.Memory = DefaultParams.Memory
	}
	if p.Time == 0 {
		p.Time = DefaultParams.Time
	}
	if p.Threads == 0 {
		p.Threads = DefaultParams.Threads
	}
	if p.SaltLen == 0 {
		p.SaltLen = DefaultParams.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = DefaultParams.KeyLen
	}
	if err := p.check(int(p.SaltLen), int(p.KeyLen)); err != "" {
		panic("auth: NewHasher: " + err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.NumCPU()
	}
	return &Hasher{p: p, sem: make(chan struct{}, maxConcurrent)}
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.p }

// Hash returns the PHC string of password under a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.p, h.p.KeyLen)
	if err != nil {
		return "", err
	}
	return encode(h.p, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded. The cost parameters come from
// encoded, so hashes made with older parameters keep verifying. A malformed encoded is an error
// wrapping ErrMalformedHash; a busy hasher whose wait ends with ctx is an EUnavailable error that
// also wraps ctx.Err().
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DummyVerify costs what Verify costs for a hash made by h, and matches nothing. Call it when a
// login names an unknown user so its timing does not reveal whether the account exists.
func (h *Hasher) DummyVerify(ctx context.Context, password string) error {
	salt := make([]byte, h.p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("auth: salt: %w", err)
	}
	got, err := h.derive(ctx, password, salt, h.p, h.p.KeyLen)
	if err != nil {
		return err
	}
	subtle.ConstantTimeCompare(got, make([]byte, len(got))) // the same comparison Verify does
	return nil
}

// NeedsRehash reports whether encoded should be replaced by a new hash (after a successful
// Verify): it is malformed, or its memory, time, salt or key length is below h's. Threads are not
// compared: parallelism changes the defender's wall time, not the attacker's cost.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	return p.Memory < h.p.Memory || p.Time < h.p.Time ||
		uint32(len(salt)) < h.p.SaltLen || uint32(len(key)) < h.p.KeyLen
}

// derive runs argon2id while holding a slot of the semaphore; waiting for the slot respects ctx.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params, keyLen uint32) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen), nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return busy(err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return busy(ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

func busy(cause error) error {
	return fmt.Errorf("%w: %w", fechatter.Errorf(fechatter.EUnavailable, "server busy, retry later"), cause)
}

// check validates p with the given salt and key lengths; it returns "" or what is wrong.
func (p Params) check(saltLen, keyLen int) string {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return "time out of range"
	case p.Threads < 1:
		return "threads out of range"
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return "memory out of range"
	case saltLen < minSaltLen || saltLen > maxSaltLen:
		return "salt length out of range"
	case keyLen < minKeyLen || keyLen > maxKeyLen:
		return "key length out of range"
	}
	return ""
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC argon2id string strictly: canonical decimals, unpadded canonical base64.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return bad("not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("bad parameters")
	}
	m, ok1 := number(kv[0], "m=", 32)
	t, ok2 := number(kv[1], "t=", 32)
	th, ok3 := number(kv[2], "p=", 8)
	if !ok1 || !ok2 || !ok3 {
		return bad("bad parameters")
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return bad("bad salt encoding")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return bad("bad hash encoding")
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if why := p.check(len(salt), len(key)); why != "" {
		return bad(why)
	}
	return p, salt, key, nil
}

// number parses "<prefix><decimal>" where the decimal is canonical (no sign, no leading zero).
func number(s, prefix string, bits int) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, bits)
	if err != nil || strconv.FormatUint(n, 10) != digits {
		return 0, false
	}
	return n, true
}
