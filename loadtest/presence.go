package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkPresence asks the nodes' REST API who is online in every chat with a member on this
// process (GET /api/v1/chats/{id}/presence, as that member) and counts the members whose
// socket here is up but whom the answer leaves out. It runs after the audit, with every
// connection back, so on several nodes it checks what a node's crash left behind: the users
// that moved to the survivors must be online, whatever the sweep of the dead node reported.
func (r *runner) checkPresence(ctx context.Context) {
	type job struct {
		chat  int64
		asker int // seed user index whose token asks
		up    []int64
	}
	var jobs []job
	for _, ch := range r.cfg.Seed.Chats {
		j := job{chat: ch.ID, asker: -1}
		for _, m := range ch.Members {
			if m < len(r.conns) && r.conns[m] != nil && r.conns[m].isUp() {
				j.up = append(j.up, r.cfg.Seed.Users[m].ID)
				j.asker = m
			}
		}
		if j.asker >= 0 {
			jobs = append(jobs, j)
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	type tally struct {
		checked, missing int64
		failed           bool
	}
	results := make([]tally, len(jobs))
	parallel(ctx, 16, len(jobs), func(i int) error {
		j := jobs[i]
		online, err := r.presenceOf(ctx, client, j.chat, r.cfg.Seed.Users[j.asker].Token, i)
		if err != nil {
			results[i].failed = true
			if i < 3 {
				r.log.Warn("presence check failed", "chat", j.chat, "err", err)
			}
			return nil
		}
		results[i].checked = int64(len(j.up))
		for _, id := range j.up {
			if !online[id] {
				results[i].missing++
			}
		}
		return nil
	})
	for _, t := range results {
		if t.failed {
			r.res.PresenceFailed++
		}
		r.res.PresenceChecked += t.checked
		r.res.PresenceMissing += t.missing
	}
}

// presenceOf asks node (start mod n) for a chat's online members, and the next nodes if a
// node does not answer.
func (r *runner) presenceOf(ctx context.Context, client *http.Client, chat int64, token string, start int) (map[int64]bool, error) {
	var last error
	for try := range len(r.urls) {
		base, err := restBase(r.urls[(start+try)%len(r.urls)])
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/chats/%d/presence", base, chat), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		var body struct {
			Online []int64 `json:"online"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("presence of chat %d: %s", chat, resp.Status)
		}
		if err != nil {
			return nil, err
		}
		online := make(map[int64]bool, len(body.Online))
		for _, id := range body.Online {
			online[id] = true
		}
		return online, nil
	}
	return nil, last
}

// restBase turns a node's WebSocket URL (ws://host:port/ws) into its HTTP origin.
func restBase(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", err
	}
	switch strings.ToLower(u.Scheme) {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("loadtest: %q is not a ws:// or wss:// URL", wsURL)
	}
	return u.Scheme + "://" + u.Host, nil
}
