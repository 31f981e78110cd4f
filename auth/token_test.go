package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/fechatter/fechatter"
)

var (
	secretA = bytes.Repeat([]byte("a"), 32)
	secretB = bytes.Repeat([]byte("b"), 32)
	secretC = bytes.Repeat([]byte("c"), 32)
	t0      = time.Unix(1_750_000_000, 0)
)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newIssuer(t *testing.T, cfg IssuerConfig) *Issuer {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = mustKeys(t, secretA)
	}
	i, err := NewIssuer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func mustKeys(t *testing.T, current []byte, previous ...[]byte) *Keys {
	t.Helper()
	k, err := NewKeys(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wantReject asserts Verify fails with EUnauthorized and the given message, without echoing token.
func wantReject(t *testing.T, i *Issuer, token, msg string) {
	t.Helper()
	c, err := i.Verify(token)
	if err == nil {
		t.Fatalf("Verify accepted the token: %+v", c)
	}
	if fechatter.ErrorCode(err) != fechatter.EUnauthorized || fechatter.ErrorMessage(err) != msg {
		t.Fatalf("Verify error = %v; want %s %q", err, fechatter.EUnauthorized, msg)
	}
	if len(token) > 8 && strings.Contains(err.Error(), token[len(token)-8:]) {
		t.Fatalf("error %q leaks the token", err)
	}
	if c != (Claims{}) {
		t.Fatalf("claims returned with an error: %+v", c)
	}
}

// forge signs claims with any method and key, with the given kid ("" for none).
func forge(t *testing.T, m jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validClaims are what Issue would produce at t0 with the defaults.
func validClaims() tokenClaims {
	return tokenClaims{WorkspaceID: 7, SessionID: "sess-1", RegisteredClaims: jwt.RegisteredClaims{
		Subject: "42", Issuer: "fechatter", Audience: jwt.ClaimStrings{"fechatter"}, ID: "x",
		IssuedAt: jwt.NewNumericDate(t0), ExpiresAt: jwt.NewNumericDate(t0.Add(15 * time.Minute)),
	}}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	clk := &clock{t0.Add(500 * time.Millisecond)}
	i := newIssuer(t, IssuerConfig{Now: clk.Now})
	tok, exp, err := i.Issue(42, 7, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(t0.Add(DefaultTTL)) {
		t.Fatalf("expiresAt = %v, want %v", exp, t0.Add(DefaultTTL))
	}
	c, err := i.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.UserID != 42 || c.WorkspaceID != 7 || c.SessionID != "sess-1" || !c.ExpiresAt.Equal(exp) || !c.IssuedAt.Equal(t0) || len(c.ID) != 32 {
		t.Fatalf("claims = %+v", c)
	}

	// The wire format: header alg/kid, body sub as a decimal string, wid, iss, aud, iat, exp, jti.
	parts := strings.Split(tok, ".")
	var header, body map[string]any
	decodeSegment(t, parts[0], &header)
	decodeSegment(t, parts[1], &body)
	if header["alg"] != "HS256" || header["kid"] != keyID(secretA) || len(keyID(secretA)) != 16 {
		t.Fatalf("header = %v", header)
	}
	if body["sub"] != "42" || body["wid"] != float64(7) || body["sid"] != "sess-1" || body["iss"] != "fechatter" ||
		body["iat"] != float64(t0.Unix()) || body["exp"] != float64(exp.Unix()) || body["jti"] != c.ID {
		t.Fatalf("body = %v", body)
	}
	if aud, _ := body["aud"].([]any); len(aud) != 1 || aud[0] != "fechatter" {
		t.Fatalf("aud = %v", body["aud"])
	}

	tok2, _, err := i.Issue(42, 7, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := i.Verify(tok2); c2.ID == c.ID {
		t.Fatal("two tokens share a jti")
	}
	if _, _, err := i.Issue(0, 7, "sess-1"); err == nil {
		t.Fatal("Issue accepted user id 0")
	}
	if _, _, err := i.Issue(42, 7, ""); err == nil {
		t.Fatal("Issue accepted a token without a session")
	}
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyExpiry(t *testing.T) {
	clk := &clock{t0}
	i := newIssuer(t, IssuerConfig{Now: clk.Now, TTL: time.Minute})
	tok, exp, err := i.Issue(1, 1, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	clk.now = exp.Add(Leeway - time.Second) // within the skew allowance
	if _, err := i.Verify(tok); err != nil {
		t.Fatalf("inside leeway: %v", err)
	}
	clk.now = exp.Add(Leeway + time.Second)
	wantReject(t, i, tok, "token expired")
}

func TestVerifyIssuedInFuture(t *testing.T) {
	clk := &clock{t0.Add(time.Hour)}
	future := newIssuer(t, IssuerConfig{Now: clk.Now})
	tok, _, err := future.Issue(1, 1, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	wantReject(t, newIssuer(t, IssuerConfig{Now: (&clock{t0}).Now}), tok, "invalid token")
}

func TestVerifyWrongAudienceOrIssuer(t *testing.T) {
	now := (&clock{t0}).Now
	tok, _, err := newIssuer(t, IssuerConfig{Now: now}).Issue(1, 1, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	wantReject(t, newIssuer(t, IssuerConfig{Now: now, Audience: "admin"}), tok, "invalid token")
	wantReject(t, newIssuer(t, IssuerConfig{Now: now, Issuer: "evil"}), tok, "invalid token")

	// Expired and for another audience: not "token expired", which would invite a refresh.
	late := newIssuer(t, IssuerConfig{Now: (&clock{t0.Add(time.Hour)}).Now, Audience: "admin"})
	wantReject(t, late, tok, "invalid token")
}

func TestVerifyRejectsOtherAlgorithms(t *testing.T) {
	i := newIssuer(t, IssuerConfig{Now: (&clock{t0}).Now})
	kid := keyID(secretA)
	c := validClaims()
	if _, err := i.Verify(forge(t, jwt.SigningMethodHS256, secretA, kid, c)); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}

	wantReject(t, i, forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, c), "invalid token")
	wantReject(t, i, forge(t, jwt.SigningMethodHS512, secretA, kid, c), "invalid token")
	wantReject(t, i, forge(t, jwt.SigningMethodHS384, secretA, kid, c), "invalid token")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	wantReject(t, i, forge(t, jwt.SigningMethodRS256, rsaKey, kid, c), "invalid token")

	// "alg":"none" with the HS256 signature kept, and a header claiming HS256 over a none token.
	good := forge(t, jwt.SigningMethodHS256, secretA, kid, c)
	p := strings.Split(good, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + kid + `","typ":"JWT"}`))
	wantReject(t, i, noneHeader+"."+p[1]+"."+p[2], "invalid token")
	wantReject(t, i, noneHeader+"."+p[1]+".", "invalid token")
	wantReject(t, i, p[0]+"."+p[1]+".", "invalid token")
}

func TestVerifyKeyIDs(t *testing.T) {
	now := (&clock{t0}).Now
	c := validClaims()
	i := newIssuer(t, IssuerConfig{Now: now, Keys: mustKeys(t, secretA)})
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretC, keyID(secretC), c), "invalid token")
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretA, "", c), "invalid token")             // no kid
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretA, keyID(secretC), c), "invalid token") // wrong kid
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretC, keyID(secretA), c), "invalid token") // wrong key
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretA, strings.ToUpper(keyID(secretA)), c), "invalid token")
}

func TestKeyRotation(t *testing.T) {
	now := (&clock{t0}).Now
	before := newIssuer(t, IssuerConfig{Now: now, Keys: mustKeys(t, secretA)})
	after := newIssuer(t, IssuerConfig{Now: now, Keys: mustKeys(t, secretB, secretA)})
	old, _, err := before.Issue(5, 6, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	c, err := after.Verify(old)
	if err != nil || c.UserID != 5 || c.WorkspaceID != 6 {
		t.Fatalf("token signed with the previous key: %+v, %v", c, err)
	}
	fresh, _, err := after.Issue(5, 6, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	var header map[string]any
	decodeSegment(t, strings.Split(fresh, ".")[0], &header)
	if header["kid"] != keyID(secretB) || after.cfg.Keys.CurrentID() != keyID(secretB) {
		t.Fatalf("new tokens signed with kid %v, want %s", header["kid"], keyID(secretB))
	}
	wantReject(t, before, fresh, "invalid token") // a node without the new key
	// Once the old key is dropped, its tokens stop verifying.
	wantReject(t, newIssuer(t, IssuerConfig{Now: now, Keys: mustKeys(t, secretB)}), old, "invalid token")
}

func TestVerifyTampered(t *testing.T) {
	i := newIssuer(t, IssuerConfig{Now: (&clock{t0}).Now})
	tok, _, err := i.Issue(42, 7, "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	p := strings.Split(tok, ".")
	var body map[string]any
	decodeSegment(t, p[1], &body)
	body["sub"] = "1" // become another user
	b, _ := json.Marshal(body)
	wantReject(t, i, p[0]+"."+base64.RawURLEncoding.EncodeToString(b)+"."+p[2], "invalid token")

	sig := []byte(p[2])
	sig[0] ^= 1
	wantReject(t, i, p[0]+"."+p[1]+"."+string(sig), "invalid token")
	for _, junk := range []string{"", "abc", "a.b", "a.b.c", tok + ".x", strings.Repeat("a", 5000)} {
		wantReject(t, i, junk, "invalid token")
	}
}

func TestVerifyRequiredClaims(t *testing.T) {
	i := newIssuer(t, IssuerConfig{Now: (&clock{t0}).Now})
	kid := keyID(secretA)
	mutate := func(f func(c *tokenClaims)) string {
		c := validClaims()
		f(&c)
		return forge(t, jwt.SigningMethodHS256, secretA, kid, c)
	}
	wantReject(t, i, mutate(func(c *tokenClaims) { c.ExpiresAt = nil }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.Subject = "" }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.Subject = "+42" }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.Subject = "-1" }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.WorkspaceID = 0 }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.SessionID = "" }), "invalid token") // tokens of no session
	wantReject(t, i, mutate(func(c *tokenClaims) { c.Audience = nil }), "invalid token")
	wantReject(t, i, mutate(func(c *tokenClaims) { c.NotBefore = jwt.NewNumericDate(t0.Add(time.Hour)) }), "invalid token")
	// wid of the wrong JSON type.
	m := jwt.MapClaims{"sub": "42", "wid": "7", "sid": "sess-1", "iss": "fechatter", "aud": "fechatter", "exp": t0.Add(time.Minute).Unix()}
	wantReject(t, i, forge(t, jwt.SigningMethodHS256, secretA, kid, m), "invalid token")
	m["wid"] = 7
	if c, err := i.Verify(forge(t, jwt.SigningMethodHS256, secretA, kid, m)); err != nil || c.WorkspaceID != 7 {
		t.Fatalf("control map token: %+v, %v", c, err)
	}
}

func TestNewKeys(t *testing.T) {
	if _, err := NewKeys([]byte("short")); err == nil {
		t.Fatal("short current secret accepted")
	}
	if _, err := NewKeys(secretA, []byte("short")); err == nil {
		t.Fatal("short previous secret accepted")
	}
	k := mustKeys(t, secretA, secretB, secretA)
	if k.CurrentID() != keyID(secretA) || len(k.byID) != 2 {
		t.Fatalf("keys = %v", k.byID)
	}
	// Secrets are copied: later changes to the caller's slice change nothing.
	s := bytes.Clone(secretC)
	k = mustKeys(t, s)
	s[0] = 'x'
	if got, _ := k.lookup(keyID(secretC)); !bytes.Equal(got, secretC) {
		t.Fatal("NewKeys did not copy the secret")
	}
	if _, err := NewIssuer(IssuerConfig{}); err == nil {
		t.Fatal("NewIssuer without keys succeeded")
	}
}
