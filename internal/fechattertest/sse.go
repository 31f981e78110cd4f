package fechattertest

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// SSEEvent is one event read off /events; Comment is set for keepalive comments instead.
type SSEEvent struct {
	Name    string // event:
	ID      string // id:
	Data    Event  // data:, decoded
	Comment string
}

// SSE is a test client of GET /events.
type SSE struct {
	t      testing.TB
	Resp   *http.Response
	events chan SSEEvent
	done   chan struct{}
	cancel context.CancelFunc
}

// SSEOptions chooses how OpenSSE authenticates and resumes.
type SSEOptions struct {
	Token       string
	TokenQuery  bool   // send the token as ?access_token= instead of the header
	LastEventID string // resume
}

// OpenSSE opens /events; the caller checks Resp.StatusCode.
func (s *Server) OpenSSE(t testing.TB, o SSEOptions) *SSE {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	u := s.URL + "/events"
	if o.TokenQuery {
		u += "?access_token=" + url.QueryEscape(o.Token)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if o.Token != "" && !o.TokenQuery {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	if o.LastEventID != "" {
		req.Header.Set("Last-Event-ID", o.LastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open /events: %v", err)
	}
	c := &SSE{t: t, Resp: resp, events: make(chan SSEEvent, 10000), done: make(chan struct{}), cancel: cancel}
	go c.read()
	t.Cleanup(c.Close)
	return c
}

func (c *SSE) read() {
	defer close(c.done)
	sc := bufio.NewScanner(c.Resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev SSEEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Comment != "" {
				c.events <- ev
			}
			ev = SSEEvent{}
		case strings.HasPrefix(line, ":"):
			ev.Comment = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "event: "):
			ev.Name = line[len("event: "):]
		case strings.HasPrefix(line, "id: "):
			ev.ID = line[len("id: "):]
		case strings.HasPrefix(line, "data: "):
			raw := line[len("data: "):]
			_ = json.Unmarshal([]byte(raw), &ev.Data)
			if len(ev.Data.RawMsg) > 0 {
				if ev.Data.Type == "error" {
					_ = json.Unmarshal(ev.Data.RawMsg, &ev.Data.Text)
				} else {
					_ = json.Unmarshal(ev.Data.RawMsg, &ev.Data.Message)
				}
			}
			ev.Data.Raw = json.RawMessage(raw)
		}
	}
}

// Close ends the stream.
func (c *SSE) Close() {
	c.cancel()
	c.Resp.Body.Close()
	<-c.done
}

// Next returns the next event or comment within timeout.
func (c *SSE) Next(timeout time.Duration) SSEEvent {
	c.t.Helper()
	select {
	case e := <-c.events:
		return e
	case <-c.done:
		select {
		case e := <-c.events:
			return e
		default:
		}
		c.t.Fatalf("event stream ended")
	case <-time.After(timeout):
		c.t.Fatalf("no SSE event within %v", timeout)
	}
	return SSEEvent{}
}

// WaitFor returns the first event with the given name, skipping others.
func (c *SSE) WaitFor(timeout time.Duration, name string) SSEEvent {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("no %q event within %v", name, timeout)
		}
		if e := c.Next(left); e.Name == name {
			return e
		}
	}
}

// Ended waits until the server ends the stream, and fails the test after timeout.
func (c *SSE) Ended(timeout time.Duration) {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.t.Fatalf("event stream still open after %v", timeout)
	}
}
