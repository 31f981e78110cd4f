package rest

import (
	"context"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/search"
	"github.com/gofiber/fiber/v2"
)

// Searcher answers message searches; *search.Service implements it.
type Searcher interface {
	Search(ctx context.Context, user fechatter.User, r search.Request) (search.Page, error)
}

// search is GET /search?q=&chat_id=&sender_id=&from=&to=&limit=&cursor=&sort=.
func (s *Server) search(c *fiber.Ctx) error {
	if s.cfg.Searcher == nil {
		return fechatter.Errorf(fechatter.EUnavailable, "search is not configured on this server")
	}
	var r search.Request
	var err error
	r.Q = c.Query("q")
	if r.ChatID, err = queryInt(c, "chat_id", 0, 1, 1<<53); err != nil {
		return err
	}
	if r.SenderID, err = queryInt(c, "sender_id", 0, 1, 1<<53); err != nil {
		return err
	}
	if r.From, err = queryTime(c, "from"); err != nil {
		return err
	}
	if r.To, err = queryTime(c, "to"); err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", fechatter.DefaultSearchLimit, 1, fechatter.MaxSearchLimit)
	if err != nil {
		return err
	}
	r.Limit = int(limit)
	switch c.Query("sort", "relevance") {
	case "relevance":
	case "recent":
		r.Recent = true
	default:
		return fechatter.Errorf(fechatter.EInvalid, "query parameter \"sort\" must be relevance or recent")
	}
	r.Cursor = c.Query("cursor")
	ctx, cancel := s.ctx(c)
	defer cancel()
	start := time.Now()
	page, err := s.cfg.Searcher.Search(ctx, currentUser(c), r)
	if err != nil {
		return err
	}
	// The query itself never leaves the store's side: its latency and hit count do.
	s.trackUser(c, fechatter.User{}, fechatter.UsageEvent{Kind: fechatter.UsageSearch, ChatID: r.ChatID,
		Count: int64(len(page.Hits)), DurationMs: float64(time.Since(start).Microseconds()) / 1000})
	return c.JSON(page)
}

// queryTime parses an optional time parameter: YYYY-MM-DD (midnight UTC) or RFC 3339.
func queryTime(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := search.ParseTime(v)
	if err != nil {
		return time.Time{}, fechatter.Errorf(fechatter.EInvalid, "query parameter %q must be a date (YYYY-MM-DD) or an RFC 3339 time", name)
	}
	return t, nil
}
