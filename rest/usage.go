package rest

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/ratelimit"
	"github.com/gofiber/fiber/v2"
)

// Usage takes product analytics events; *analytics.Emitter implements it. Track never blocks.
type Usage interface {
	Track(e fechatter.UsageEvent)
}

// Stats answers GET /admin/stats; analytics.Reduced and analytics.ClickHouseStats implement it.
type Stats interface {
	Stats(ctx context.Context, q fechatter.StatsQuery) (fechatter.Stats, error)
}

// Forgetter erases a user's analytics events; *analytics.ClickHouse implements it.
type Forgetter interface {
	ForgetUser(ctx context.Context, workspaceID, userID int64) error
}

// ClientBatchesPerMinute is how many POST /analytics/events one user may make per minute
// (each holds at most fechatter.MaxClientEvents).
const ClientBatchesPerMinute = 30

// track records a usage event when analytics is wired.
func (s *Server) track(e fechatter.UsageEvent) {
	if s.cfg.Usage != nil {
		s.cfg.Usage.Track(e)
	}
}

// trackUser records a usage event of the authenticated caller (or of u when given).
func (s *Server) trackUser(c *fiber.Ctx, u fechatter.User, e fechatter.UsageEvent) {
	if s.cfg.Usage == nil {
		return
	}
	if u.ID == 0 {
		u = currentUser(c)
	}
	e.WorkspaceID, e.UserID = u.WorkspaceID, u.ID
	s.cfg.Usage.Track(e)
}

// clientNet is the caller's address truncated to its network (privacy: never the host).
func (s *Server) clientNet(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var xff []string
	if s.cfg.ClientIP.Trusted(peer) {
		for _, v := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
			xff = append(xff, string(v))
		}
	}
	return fechatter.TruncateIP(s.cfg.ClientIP.Addr(peer, xff...).String())
}

type clientEventsRequest struct {
	Events []fechatter.UsageEvent `json:"events"`
}

// postEvents is POST /analytics/events: a batch of the web client's own events (app start,
// navigation, page timing, client errors), checked against the allow-list, attributed to
// the caller, charged to the caller's own limit (ClientBatchesPerMinute). 202: taken (with ClickHouse,
// on its way; without, counted in /metrics only).
func (s *Server) postEvents(c *fiber.Ctx) error {
	var req clientEventsRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Events) == 0 || len(req.Events) > fechatter.MaxClientEvents {
		return fechatter.Errorf(fechatter.EInvalid, "field \"events\" must hold 1 to %d events", fechatter.MaxClientEvents)
	}
	for i, e := range req.Events {
		if err := fechatter.CheckClientUsage(i, e); err != nil {
			return err
		}
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	key := "usage:" + strconv.FormatInt(me.ID, 10)
	if err := s.check(ctx, key, ratelimit.PerMinute(ClientBatchesPerMinute), "too many analytics events"); err != nil {
		return err
	}
	now := s.cfg.Now()
	for _, e := range req.Events {
		// The server decides who, when and from where: a client names only what happened.
		s.trackUser(c, me, fechatter.UsageEvent{Kind: e.Kind, At: now, Source: fechatter.SourceWeb, Page: e.Page,
			Code: e.Code, DurationMs: e.DurationMs, Props: e.Props})
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": len(req.Events)})
}

// adminStats is GET /admin/stats?from=&to=&interval=: the workspace's usage (see
// docs/analytics.md). Default: the last 7 days by day.
func (s *Server) adminStats(c *fiber.Ctx) error {
	if s.cfg.Stats == nil {
		return fechatter.Errorf(fechatter.EUnavailable, "stats are not configured on this server")
	}
	q, err := statsQuery(c, s.cfg.Now())
	if err != nil {
		return err
	}
	q.WorkspaceID = currentUser(c).WorkspaceID
	ctx, cancel := s.ctx(c)
	defer cancel()
	st, err := s.cfg.Stats.Stats(ctx, q)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// statsQuery reads from, to (dates or RFC 3339; default the 7 days to now) and interval
// (hour or day): at most 31 days by hour, 400 by day.
func statsQuery(c *fiber.Ctx, now time.Time) (fechatter.StatsQuery, error) {
	q := fechatter.StatsQuery{Interval: fechatter.StatsInterval(c.Query("interval", "day"))}
	if q.Interval != fechatter.IntervalDay && q.Interval != fechatter.IntervalHour {
		return q, fechatter.Errorf(fechatter.EInvalid, "query parameter \"interval\" must be hour or day")
	}
	var err error
	if q.From, err = queryTime(c, "from"); err != nil {
		return q, err
	}
	if q.To, err = queryTime(c, "to"); err != nil {
		return q, err
	}
	if q.To.IsZero() {
		q.To = now
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-7 * 24 * time.Hour)
	}
	q.From, q.To = q.From.UTC(), q.To.UTC()
	if !q.From.Before(q.To) {
		return q, fechatter.Errorf(fechatter.EInvalid, "query parameter \"from\" must be before \"to\"")
	}
	maxSpan := 400 * 24 * time.Hour
	if q.Interval == fechatter.IntervalHour {
		maxSpan = 31 * 24 * time.Hour
	}
	if q.To.Sub(q.From) > maxSpan {
		return q, fechatter.Errorf(fechatter.EInvalid, "the window from \"from\" to \"to\" is longer than %d days for interval %s",
			int(maxSpan/(24*time.Hour)), q.Interval)
	}
	return q, nil
}

// adminForgetUser is DELETE /admin/users/{id}/analytics: erase a workspace user's analytics
// events (a right-to-erasure request). 204 also when there is no ClickHouse (nothing kept).
func (s *Server) adminForgetUser(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	target, err := s.cfg.Store.User(ctx, id)
	if err != nil {
		return err
	}
	me := currentUser(c)
	if target.WorkspaceID != me.WorkspaceID {
		return fechatter.Errorf(fechatter.ENotFound, "user %d not found", id)
	}
	if s.cfg.Forgetter != nil {
		if err := s.cfg.Forgetter.ForgetUser(ctx, me.WorkspaceID, id); err != nil {
			s.log.Error("rest: forgetting a user's analytics", "user_id", id, "err", err)
			return fechatter.Errorf(fechatter.EUnavailable, "analytics storage is unavailable; retry")
		}
	}
	s.audit(c, "user.analytics_erase", "user", id, nil)
	return c.SendStatus(fiber.StatusNoContent)
}
