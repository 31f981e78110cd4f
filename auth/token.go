package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/fechatter/fechatter"
)

// Access token defaults and limits.
const (
	DefaultIssuer   = "fechatter"
	DefaultAudience = "fechatter"
	DefaultTTL      = 15 * time.Minute
	Leeway          = 30 * time.Second // tolerated clock skew for exp and iat
	maxTokenLen     = 4096             // longer input is rejected before any parsing
)

// IssuerConfig configures an Issuer; zero fields take the defaults.
type IssuerConfig struct {
	Keys     *Keys
	Issuer   string        // "iss"; DefaultIssuer
	Audience string        // "aud"; DefaultAudience
	TTL      time.Duration // lifetime; DefaultTTL
	Now      func() time.Time
}

// Claims are the verified contents of an access token.
type Claims struct {
	UserID      int64
	WorkspaceID int64
	SessionID   string // "sid": the refresh-token family this token was issued in
	ExpiresAt   time.Time
	IssuedAt    time.Time
	ID          string // jti
}

// tokenClaims is the JWT body.
type tokenClaims struct {
	WorkspaceID int64  `json:"wid"`
	SessionID   string `json:"sid"`
	jwt.RegisteredClaims
}

// Issuer issues and verifies HS256 access tokens.
type Issuer struct {
	cfg    IssuerConfig
	parser *jwt.Parser
}

// NewIssuer returns an Issuer; cfg.Keys is required.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if cfg.Keys == nil {
		return nil, errors.New("auth: NewIssuer: no keys")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithStrictDecoding(),
	)
	return &Issuer{cfg: cfg, parser: parser}, nil
}

// TTL is the lifetime of the tokens i issues.
func (i *Issuer) TTL() time.Duration { return i.cfg.TTL }

// Issue signs an access token for a user of a workspace, in session (a refresh-token family,
// so that ending the session ends its access tokens too), with the current key.
func (i *Issuer) Issue(userID, workspaceID int64, session string) (token string, expiresAt time.Time, err error) {
	if userID <= 0 || workspaceID <= 0 || session == "" {
		return "", time.Time{}, fmt.Errorf("auth: issue token: bad ids user=%d workspace=%d session=%q", userID, workspaceID, session)
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: token id: %w", err)
	}
	now := i.cfg.Now().Truncate(time.Second) // JWT times are whole seconds
	expiresAt = now.Add(i.cfg.TTL)
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, tokenClaims{
		WorkspaceID: workspaceID,
		SessionID:   session,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   strconv.FormatInt(userID, 10),
			Issuer:    i.cfg.Issuer,
			Audience:  jwt.ClaimStrings{i.cfg.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(expiresAt),
			ID:        hex.EncodeToString(jti),
		},
	})
	kid, secret := i.cfg.Keys.current()
	t.Header["kid"] = kid
	token, err = t.SignedString(secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return token, expiresAt, nil
}

// Verify checks an access token's signature, algorithm, key id, issuer, audience, expiry and
// issue time. Every failure is an EUnauthorized *fechatter.Error: "token expired" or
// "invalid token"; the token itself never appears in it.
func (i *Issuer) Verify(token string) (Claims, error) {
	if token == "" || len(token) > maxTokenLen {
		return Claims{}, invalidToken()
	}
	var c tokenClaims
	_, err := i.parser.ParseWithClaims(token, &c, i.key)
	if onlyExpired(err) {
		return Claims{}, fechatter.Errorf(fechatter.EUnauthorized, "token expired")
	}
	if err != nil {
		return Claims{}, invalidToken()
	}
	uid, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || uid <= 0 || strconv.FormatInt(uid, 10) != c.Subject || c.WorkspaceID <= 0 || c.SessionID == "" {
		return Claims{}, invalidToken()
	}
	out := Claims{UserID: uid, WorkspaceID: c.WorkspaceID, SessionID: c.SessionID, ExpiresAt: c.ExpiresAt.Time, ID: c.ID}
	if c.IssuedAt != nil {
		out.IssuedAt = c.IssuedAt.Time
	}
	return out, nil
}

// key resolves the verification secret from the "kid" header; the method is checked again even
// though the parser is pinned to HS256.
func (i *Issuer) key(t *jwt.Token) (any, error) {
	if t.Method != jwt.SigningMethodHS256 {
		return nil, errors.New("unexpected signing method")
	}
	kid, ok := t.Header["kid"].(string)
	if !ok {
		return nil, errors.New("missing kid")
	}
	secret, ok := i.cfg.Keys.lookup(kid)
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return secret, nil
}

// onlyExpired reports whether err says the token is genuine and fine except for its expiry (the
// client should refresh), rather than also failing another claim check.
func onlyExpired(err error) bool {
	if !errors.Is(err, jwt.ErrTokenExpired) {
		return false
	}
	for _, other := range []error{jwt.ErrTokenInvalidAudience, jwt.ErrTokenInvalidIssuer,
		jwt.ErrTokenUsedBeforeIssued, jwt.ErrTokenNotValidYet, jwt.ErrTokenRequiredClaimMissing} {
		if errors.Is(err, other) {
			return false
		}
	}
	return true
}

func invalidToken() error { return fechatter.Errorf(fechatter.EUnauthorized, "invalid token") }
