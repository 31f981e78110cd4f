package rest

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/gofiber/fiber/v2"
)

const (
	localUser    = "user"
	localSession = "session"
)

type tokenResponse struct {
	AccessToken  string         `json:"access_token"`
	RefreshToken string         `json:"refresh_token"`
	ExpiresIn    int64          `json:"expires_in"`
	User         fechatter.User `json:"user"`
}

type signupRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	Fullname  string `json:"fullname"`
	Workspace string `json:"workspace"` // the new workspace's name; ignored with an invitation
	Invite    string `json:"invite"`    // an invitation token: join its workspace
}

func normalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", fechatter.Errorf(fechatter.EInvalid, "field \"email\" is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", fechatter.Errorf(fechatter.EInvalid, "field \"email\" is not an email address")
	}
	return s, nil
}

func requireText(field, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fechatter.Errorf(fechatter.EInvalid, "field %q is required", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", fechatter.Errorf(fechatter.EInvalid, "field %q is longer than %d characters", field, max)
	}
	return v, nil
}

func (r *signupRequest) validate() error {
	var err error
	if r.Email, err = normalizeEmail(r.Email); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(r.Password); n < 8 || n > 128 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"password\" must have 8 to 128 characters")
	}
	if r.Fullname, err = requireText("fullname", r.Fullname, 100); err != nil {
		return err
	}
	if r.Invite != "" {
		if len(r.Invite) > 128 {
			return fechatter.ErrBadInvite()
		}
		r.Workspace = ""
		return nil
	}
	r.Workspace, err = requireText("workspace", r.Workspace, fechatter.MaxWorkspaceName)
	return err
}

func (s *Server) signup(c *fiber.Ctx) error {
	var req signupRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	hash, err := s.cfg.Hasher.Hash(ctx, req.Password)
	if err != nil {
		return err
	}
	p := fechatter.SignupParams{Email: req.Email, PasswordHash: hash, Fullname: req.Fullname, Workspace: req.Workspace,
		OnlyFirst: s.cfg.SignupPolicy == SignupInviteOnly}
	if req.Invite != "" {
		p.InviteHash = auth.HashRefreshToken(req.Invite)
	}
	user, err := s.cfg.Store.Signup(ctx, p)
	if err != nil {
		return err
	}
	resp, err := s.issue(c, user, auth.NewFamilyID())
	if err != nil {
		return err
	}
	how := "workspace"
	if req.Invite != "" {
		how = "invite"
	}
	s.trackUser(c, user, fechatter.UsageEvent{Kind: fechatter.UsageSignup, Code: how, IP: s.clientNet(c)})
	return c.Status(fiber.StatusCreated).JSON(resp)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errBadLogin = fechatter.Errorf(fechatter.EUnauthorized, "wrong email or password")

func (s *Server) login(c *fiber.Ctx) error {
	err := s.doLogin(c)
	if err != nil {
		// Who failed stays unknown (no account is named); why and from which network is kept.
		s.track(fechatter.UsageEvent{Kind: fechatter.UsageLoginFailed, Code: fechatter.ErrorCode(err), IP: s.clientNet(c)})
	}
	return err
}

func (s *Server) doLogin(c *fiber.Ctx) error {
	var req loginRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	if req.Password == "" || len(req.Password) > 1024 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"password\" is required")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.admitLogin(ctx, c, email); err != nil {
		return err
	}
	user, hash, err := s.cfg.Store.UserByEmail(ctx, email)
	if fechatter.ErrorCode(err) == fechatter.ENotFound || (err == nil && user.Bot) {
		// A bot has no password: nobody logs in as it, whatever its row holds.
		// Spend the same time as a real check so response times do not reveal accounts.
		if err := s.cfg.Hasher.DummyVerify(ctx, req.Password); err != nil {
			return err
		}
		return errBadLogin
	}
	if err != nil {
		return err
	}
	ok, err := s.cfg.Hasher.Verify(ctx, req.Password, hash)
	if err != nil {
		return err
	}
	if !ok {
		return errBadLogin
	}
	s.loginSucceeded(ctx, c, email)
	if user.Disabled {
		return fechatter.Errorf(fechatter.EForbidden, "account disabled")
	}
	resp, err := s.issue(c, user, auth.NewFamilyID())
	if err != nil {
		return err
	}
	s.trackUser(c, user, fechatter.UsageEvent{Kind: fechatter.UsageLogin, IP: s.clientNet(c)})
	return c.JSON(resp)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (r *refreshRequest) validate() error {
	if r.RefreshToken == "" || len(r.RefreshToken) > 256 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"refresh_token\" is required")
	}
	return nil
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	token, next, err := auth.NewRefresh(0, "", s.cfg.Now(), auth.RefreshTTL)
	if err != nil {
		return err
	}
	user, session, err := s.cfg.Store.RotateRefreshToken(ctx, auth.HashRefreshToken(req.RefreshToken), next)
	if err != nil {
		return err
	}
	access, exp, err := s.cfg.Issuer.Issue(user.ID, user.WorkspaceID, session)
	if err != nil {
		return err
	}
	return c.JSON(tokenResponse{AccessToken: access, RefreshToken: token,
		ExpiresIn: int64(exp.Sub(s.cfg.Now()).Seconds()), User: user})
}

func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	hash := auth.HashRefreshToken(req.RefreshToken)
	if err := s.cfg.Store.RevokeRefreshFamily(ctx, hash); err != nil {
		return err
	}
	// The session's access tokens end with it (authenticate checks the session), and so do
	// its open sockets, on every node. The refresh token names the session only to the store,
	// so a bearer token, when sent, tells which session's sockets to close.
	if claims, err := s.bearerClaims(c); err == nil {
		s.cfg.Notifier.Revoke(claims.UserID, claims.SessionID, "", "logged out")
		s.track(fechatter.UsageEvent{Kind: fechatter.UsageLogout, UserID: claims.UserID, WorkspaceID: claims.WorkspaceID})
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// issue creates an access token and a refresh token in family.
func (s *Server) issue(c *fiber.Ctx, user fechatter.User, family string) (tokenResponse, error) {
	access, exp, err := s.cfg.Issuer.Issue(user.ID, user.WorkspaceID, family)
	if err != nil {
		return tokenResponse{}, err
	}
	token, rt, err := auth.NewRefresh(user.ID, family, s.cfg.Now(), auth.RefreshTTL)
	if err != nil {
		return tokenResponse{}, err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.cfg.Store.CreateRefreshToken(ctx, rt); err != nil {
		return tokenResponse{}, err
	}
	return tokenResponse{AccessToken: access, RefreshToken: token,
		ExpiresIn: int64(exp.Sub(s.cfg.Now()).Seconds()), User: user}, nil
}

func (s *Server) bearerClaims(c *fiber.Ctx) (auth.Claims, error) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) < 8 || !strings.EqualFold(h[:7], "Bearer ") {
		return auth.Claims{}, fechatter.Errorf(fechatter.EUnauthorized, "missing bearer token")
	}
	return s.cfg.Issuer.Verify(strings.TrimSpace(h[7:]))
}

// authenticate requires a valid access token of a live session of an active user: a token
// of a session that ended (logout, logout everywhere, a password change, a disabled account)
// stops working at once, not when it expires.
func (s *Server) authenticate(c *fiber.Ctx) error {
	claims, err := s.bearerClaims(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	user, err := s.cfg.Store.UserSession(ctx, claims.UserID, claims.SessionID)
	if err != nil {
		return err
	}
	c.Locals(localUser, user)
	c.Locals(localSession, claims.SessionID)
	return c.Next()
}

func currentUser(c *fiber.Ctx) fechatter.User {
	u, _ := c.Locals(localUser).(fechatter.User)
	return u
}

func currentSession(c *fiber.Ctx) string {
	s, _ := c.Locals(localSession).(string)
	return s
}

func (s *Server) me(c *fiber.Ctx) error { return c.JSON(currentUser(c)) }

func (s *Server) users(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 50, 1, 200)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	if utf8.RuneCountInString(q) > 100 {
		return fechatter.Errorf(fechatter.EInvalid, "query parameter \"q\" is longer than 100 characters")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	users, err := s.cfg.Store.Users(ctx, currentUser(c).WorkspaceID, q, int(limit))
	if err != nil {
		return err
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	on := s.online(ctx, ids)
	out := make([]directoryUser, len(users))
	for i, u := range users {
		out[i] = directoryUser{User: u, Online: on[u.ID]}
	}
	return c.JSON(fiber.Map{"users": out})
}
