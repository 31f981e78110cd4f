package edge

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Origins are the cross-origin callers allowed in (FECHATTER_ALLOWED_ORIGINS). A pattern is
// matched case-insensitively with path.Match against the Origin's host ("localhost:5173",
// "*.example.com"), or, when it holds "://", against scheme://host ("https://app.example.com").
// That is exactly the rule of github.com/coder/websocket's AcceptOptions.OriginPatterns, which
// checks the WebSocket handshake, so one list governs WebSocket, SSE and REST alike.
type Origins struct {
	patterns []string
}

// ParseOrigins checks and normalises the patterns: a trailing "/" of a full origin is dropped,
// any other path, a query or a malformed pattern is an error, so a typo fails at startup
// instead of refusing every browser.
func ParseOrigins(list []string) (Origins, error) {
	var o Origins
	for _, p := range list {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		host := p
		if scheme, rest, ok := strings.Cut(p, "://"); ok {
			if scheme == "" {
				return Origins{}, fmt.Errorf("origin pattern %q: no scheme before ://", p)
			}
			host = strings.TrimSuffix(rest, "/")
			p = scheme + "://" + host
		}
		if host == "" || strings.ContainsAny(host, "/?#@") {
			return Origins{}, fmt.Errorf("origin pattern %q: want a host pattern like app.example.com or a full origin like https://app.example.com, no path", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return Origins{}, fmt.Errorf("origin pattern %q: %w", p, err)
		}
		o.patterns = append(o.patterns, p)
	}
	return o, nil
}

// Patterns returns the normalised patterns, for websocket.AcceptOptions.OriginPatterns.
func (o Origins) Patterns() []string { return o.patterns }

// Allowed reports whether a cross-origin request from origin (an Origin header) may be
// served. Same-origin requests need no allowance and are not checked here.
func (o Origins) Allowed(origin string) bool {
	if origin == "" || len(o.patterns) == 0 {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Host)
	full := strings.ToLower(u.Scheme) + "://" + host
	for _, p := range o.patterns {
		target := host
		if strings.Contains(p, "://") {
			target = full
		}
		if ok, _ := path.Match(p, target); ok {
			return true
		}
	}
	return false
}
