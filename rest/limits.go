package rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strconv"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/clientip"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/gofiber/fiber/v2"
)

// Limiter counts events per key; internal/ratelimit's Memory and Redis implement it.
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) ratelimit.Result
	Reset(ctx context.Context, key string) error
}

// Limits are the API's rate limits. Zero fields take the defaults; a negative one turns its
// limit off. Sends (POST /chats/{id}/messages) are limited by the hub, which counts the
// sends of every socket and REST call of a user together.
type Limits struct {
	AuthPerMinute int // requests to /auth/* per client address (default 30)
	// LoginFailures is the failed logins allowed per account and client address per
	// LoginWindow (default 10); a successful login clears them. Only the address that
	// failed is locked out, so guessing a victim's password does not lock the victim out.
	LoginFailures int
	// LoginAccountAttempts is the login attempts allowed per account from all addresses
	// per LoginWindow (default 100): it slows a guesser spread over many addresses, at the
	// price that such a guesser can also hold the account's owner off while it keeps going.
	LoginAccountAttempts int
	LoginWindow          time.Duration // default 15 minutes
	WritesPerMinute      int           // POST, PATCH, PUT and DELETE per user, sends excepted (default 60)
}

func (l *Limits) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.AuthPerMinute, 30)
	def(&l.LoginFailures, 10)
	def(&l.LoginAccountAttempts, 100)
	def(&l.WritesPerMinute, 60)
	if l.LoginWindow <= 0 {
		l.LoginWindow = 15 * time.Minute
	}
}

func (l Limits) inWindow(n int) ratelimit.Limit {
	return ratelimit.Limit{Rate: n, Period: l.LoginWindow, Burst: n}
}

// check charges one event to key and turns a refusal into a rate_limited error.
func (s *Server) check(ctx context.Context, key string, l ratelimit.Limit, what string) error {
	if r := s.cfg.Limiter.Allow(ctx, key, l); !r.Allowed {
		return fechatter.RateLimited(r.RetryAfter, what)
	}
	return nil
}

// clientKey names the caller's address in limit keys (see internal/clientip).
func (s *Server) clientKey(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var xff []string
	if s.cfg.ClientIP.Trusted(peer) {
		for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			xff = append(xff, string(v))
		}
	}
	return clientip.Key(s.cfg.ClientIP.Addr(peer, xff...))
}

// limitAuth limits every /auth request per client address.
func (s *Server) limitAuth(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.check(ctx, "auth:"+s.clientKey(c), ratelimit.PerMinute(s.cfg.Limits.AuthPerMinute),
		"too many requests from your address"); err != nil {
		return err
	}
	return c.Next()
}

// limitWrites limits the writes of the authenticated user. It is registered after the send
// route, so sends never reach it: the hub counts them.
func (s *Server) limitWrites(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	key := "write:" + strconv.FormatInt(currentUser(c).ID, 10)
	if err := s.check(ctx, key, ratelimit.PerMinute(s.cfg.Limits.WritesPerMinute), "too many changes"); err != nil {
		return err
	}
	return c.Next()
}

// accountKey names an account in limit keys without putting the address itself in Redis.
// Every well-formed email has one, registered or not, so limits reveal nothing.
func accountKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:12])
}

// admitLogin charges a login attempt for email to the (account, address) pair and to the
// account, before the password is looked at: a locked-out guesser learns nothing.
func (s *Server) admitLogin(ctx context.Context, c *fiber.Ctx, email string) error {
	acct := accountKey(email)
	if err := s.check(ctx, "login:"+acct+":"+s.clientKey(c), s.cfg.Limits.inWindow(s.cfg.Limits.LoginFailures),
		"too many failed logins for this account from your address"); err != nil {
		return err
	}
	return s.check(ctx, "account:"+acct, s.cfg.Limits.inWindow(s.cfg.Limits.LoginAccountAttempts),
		"too many login attempts for this account")
}

// loginSucceeded clears the failures of the (account, address) pair. The account-wide count
// stays: it only ever slows a guesser spread over many addresses.
func (s *Server) loginSucceeded(ctx context.Context, c *fiber.Ctx, email string) {
	key := "login:" + accountKey(email) + ":" + s.clientKey(c)
	if err := s.cfg.Limiter.Reset(ctx, key); err != nil {
		s.log.Debug("rest: clearing login failures", "err", err)
	}
}
