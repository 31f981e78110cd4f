package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/auth"
	"github.com/fechatter/fechatter/internal/clientip"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// Notifier tells connected clients about membership changes; the hub implements it.
type Notifier interface {
	ChatJoined(chat fechatter.Chat, userIDs []int64)
	ChatLeft(chatID, userID int64)
	// Change runs a change to a chat's timeline where the chat's sends run, and publishes the
	// events it returns: a chat's events reach every node in seq order.
	Change(ctx context.Context, chatID int64, op func(context.Context) ([]fechatter.Event, error)) error
	// UserChange is Change for a change a user asked for (a reaction, a pin): past capacity it
	// is refused at once with an "overloaded" error (503, Retry-After), like a send.
	UserChange(ctx context.Context, chatID int64, op func(context.Context) ([]fechatter.Event, error)) error
	// Revoke closes the user's sockets on every node with 4003: those of session only, or all
	// but keep's when session is "".
	Revoke(userID int64, session, keep, reason string)
	// Read tells the chat that userID has read it up to seq (ephemeral, like typing).
	Read(chatID, userID, seq int64)
}

// Signup policies (FECHATTER_SIGNUP).
const (
	SignupOpen       = "open"        // anyone may sign up and gets a new workspace
	SignupInviteOnly = "invite-only" // only invited people, and the very first user
)

// Config configures the API. Store, Hasher, Issuer and Notifier are required.
type Config struct {
	Store    fechatter.Store
	Hasher   *auth.Hasher
	Issuer   *auth.Issuer
	Notifier Notifier
	Sender   Sender
	Searcher Searcher // GET /search; 503 when nil
	Presence Presence // nil: everyone reads as offline
	Logger   *slog.Logger
	Now      func() time.Time

	// SignupPolicy is SignupOpen (default) or SignupInviteOnly.
	SignupPolicy string
	// PublicURL is where people reach the web client, for invitation links (e.g.
	// https://chat.example.com); empty: the scheme and host of the request.
	PublicURL string

	BodyLimit int // bytes (default 64 KiB)
	Limits    Limits
	// Limiter holds the rate limits' counters; nil keeps them in this process. Give every
	// node the same shared limiter (Redis) so a client meets one limit, not one per node.
	Limiter Limiter
	// ClientIP finds the client's address behind the trusted proxies; nil: the connection's
	// address is the client's.
	ClientIP *clientip.Resolver

	// Usage takes product analytics events; nil: none. Stats answers GET /admin/stats (503
	// when nil); Forgetter erases a user's analytics events (nil: nothing is kept).
	Usage     Usage
	Stats     Stats
	Forgetter Forgetter
	// Assistant answers /assistant, /chats/{id}/ask, /chats/{id}/summary,
	// /messages/{id}/translate and /messages/{id}/cancel; nil: the assistant is off.
	Assistant Assistant
}

// Server is the REST API.
type Server struct {
	cfg Config
	log *slog.Logger
	app *fiber.App
}

// New builds the Fiber app with every route.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Now().UTC() }
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 64 << 10
	}
	cfg.Limits.defaults()
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory(ratelimit.MemoryOptions{})
	}
	if cfg.SignupPolicy == "" {
		cfg.SignupPolicy = SignupOpen
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.app = fiber.New(fiber.Config{
		ErrorHandler:          s.handleError,
		BodyLimit:             cfg.BodyLimit,
		DisableStartupMessage: true,
		AppName:               "fechatter",
	})
	s.app.Use(recover.New())
	s.routes()
	return s
}

// App returns the Fiber app, for adaptor.FiberApp or app.Test.
func (s *Server) App() *fiber.App { return s.app }

func (s *Server) routes() {
	api := s.app.Group("/api/v1")
	s.docs(api)
	authGroup := api.Group("/auth", s.limitAuth)
	authGroup.Post("/signup", s.signup)
	authGroup.Post("/login", s.login)
	authGroup.Post("/refresh", s.refresh)
	authGroup.Post("/logout", s.logout)
	authGroup.Post("/logout-all", s.authenticate, s.logoutAll)
	authGroup.Post("/invite", s.previewInvite)

	api.Use(s.authenticate)
	// Sends come before the write limit: the hub's send limit counts them, socket and REST.
	api.Post("/chats/:id/messages", s.sendMessage)
	// Client analytics have a limit of their own, not the writes' (see postEvents).
	api.Post("/analytics/events", s.postEvents)
	api.Use(s.limitWrites)
	api.Get("/me", s.me)
	api.Post("/me/password", s.changePassword)
	api.Get("/workspace", s.getWorkspace)
	api.Patch("/workspace", s.updateWorkspace)
	api.Post("/invites", s.createInvite)
	api.Get("/invites", s.listInvites)
	api.Delete("/invites/:id", s.revokeInvite)
	api.Get("/users", s.users)
	api.Get("/chats", s.listChats)
	api.Post("/chats", s.createChat)
	api.Get("/chats/:id", s.getChat)
	api.Patch("/chats/:id", s.updateChat)
	api.Post("/chats/:id/members", s.addMembers)
	api.Delete("/chats/:id/members/:user_id", s.removeMember)
	api.Patch("/chats/:id/members/:user_id", s.setMemberRole)
	api.Get("/chats/:id/messages", s.messages)
	api.Get("/chats/:id/presence", s.chatPresence)
	api.Post("/chats/:id/messages/:message_id/reactions", s.react(true))
	api.Delete("/chats/:id/messages/:message_id/reactions", s.react(false))
	api.Get("/chats/:id/pins", s.pins)
	api.Put("/chats/:id/pins/:message_id", s.pin(true))
	api.Delete("/chats/:id/pins/:message_id", s.pin(false))
	api.Get("/me/saved", s.saved)
	api.Get("/me/threads", s.threads)
	api.Put("/chats/:id/threads/:root_id/follow", s.follow(true))
	api.Delete("/chats/:id/threads/:root_id/follow", s.follow(false))
	api.Post("/chats/:id/threads/:root_id/read", s.readThread)
	api.Get("/channels", s.channels)
	api.Get("/chats/:id/reads", s.reads)
	api.Post("/chats/:id/read", s.markRead)
	api.Put("/me/saved/:message_id", s.save(true))
	api.Delete("/me/saved/:message_id", s.save(false))
	api.Get("/search", s.search)
	api.Get("/me/preferences", s.getPreferences)
	api.Patch("/me/preferences", s.updatePreferences)
	api.Patch("/chats/:id/preferences", s.updateChatPreference)
	s.assistantRoutes(api)

	admin := api.Group("/admin", s.requireWorkspaceAdmin)
	admin.Patch("/users/:id", s.adminUpdateUser)
	admin.Post("/chats/:id/archive", s.adminArchiveChat)
	admin.Post("/chats/:id/unarchive", s.adminUnarchiveChat)
	admin.Get("/audit", s.auditLog)
	admin.Delete("/chats/:id/messages/:message_id", s.adminDeleteMessage)
	admin.Get("/stats", s.adminStats)
	admin.Delete("/users/:id/analytics", s.adminForgetUser)

	api.Use(func(c *fiber.Ctx) error {
		return fechatter.Errorf(fechatter.ENotFound, "no such endpoint: %s %s", c.Method(), c.Path())
	})
}

// StatusOf maps an error code to its HTTP status.
func StatusOf(code string) int { return fechatter.HTTPStatus(code) }

type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// handleError writes the error envelope. Fiber's own errors (404 route, 413 body, 405) are
// mapped to codes; anything unknown is logged and reported as internal.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	var env envelope
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		env.Error.Code, env.Error.Message = fiberCode(fe.Code), fe.Message
	default:
		env.Error.Code, env.Error.Message = fechatter.ErrorCode(err), fechatter.ErrorMessage(err)
		if env.Error.Code == fechatter.EInternal {
			s.log.Error("rest: request failed", "method", c.Method(), "path", c.Path(), "err", err)
		}
	}
	var e *fechatter.Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfterSeconds()))
	}
	status := StatusOf(env.Error.Code)
	if fe != nil {
		status = fe.Code
	}
	if c.Route() != nil && c.Route().Path != "/api/v1/auth/login" { // failed logins have their own kind
		s.trackUser(c, fechatter.User{}, fechatter.UsageEvent{Kind: fechatter.UsageError, Code: env.Error.Code,
			Page: c.Method() + " " + c.Route().Path})
	}
	return c.Status(status).JSON(env)
}

func fiberCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return fechatter.ENotFound
	case http.StatusRequestEntityTooLarge:
		return fechatter.ETooLarge
	case http.StatusMethodNotAllowed, http.StatusBadRequest:
		return fechatter.EInvalid
	case http.StatusTooManyRequests:
		return fechatter.ERateLimited
	case http.StatusServiceUnavailable:
		return fechatter.EUnavailable
	}
	return fechatter.EInternal
}

// decode parses a JSON body into v, naming the offending field on a type mismatch.
func decode(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		return fechatter.Errorf(fechatter.EInvalid, "request body is required")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fechatter.Errorf(fechatter.EInvalid, "field %q has the wrong type", te.Field)
		}
		return fechatter.Errorf(fechatter.EInvalid, "request body is not valid JSON")
	}
	return nil
}

// bind decodes a JSON body into req and runs its own checks.
func bind(c *fiber.Ctx, req interface{ validate() error }) error {
	if err := decode(c, req); err != nil {
		return err
	}
	return req.validate()
}

// pathID parses a positive integer path parameter.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fechatter.Errorf(fechatter.EInvalid, "path parameter %q must be a positive integer", name)
	}
	return id, nil
}

// queryInt parses an optional integer query parameter within [lo, hi].
func queryInt(c *fiber.Ctx, name string, def, lo, hi int64) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fechatter.Errorf(fechatter.EInvalid, "query parameter %q must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

func (s *Server) ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 10*time.Second)
}
