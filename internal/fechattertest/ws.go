package fechattertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
)

// Event is any server event; the fields present depend on Type.
type Event struct {
	Type      string            `json:"type"`
	Ref       json.RawMessage   `json:"ref,omitempty"`
	Seq       int64             `json:"seq,omitempty"`
	ChatID    int64             `json:"chat_id,omitempty"`
	MessageID int64             `json:"message_id,omitempty"`
	UserID    int64             `json:"user_id,omitempty"`
	Online    bool              `json:"online,omitempty"`
	Emoji     string            `json:"emoji,omitempty"`
	Added     bool              `json:"added,omitempty"`
	Pinned    bool              `json:"pinned,omitempty"`
	Message   fechatter.Message `json:"-"` // the message of message, message_edited and ack
	Text      string            `json:"-"` // the message of an error
	RawMsg    json.RawMessage   `json:"message,omitempty"`
	Chat      fechatter.Chat    `json:"chat"`
	User      fechatter.User    `json:"user"`
	Chats     []struct {
		ID      int64 `json:"id"`
		LastSeq int64 `json:"last_seq"`
	} `json:"chats,omitempty"`
	Code string          `json:"code,omitempty"`
	Raw  json.RawMessage `json:"-"`
}

// Conn is a test WebSocket client.
type Conn struct {
	t      testing.TB
	C      *websocket.Conn
	events chan Event
	done   chan struct{}
	err    error // why the read loop ended; valid after done is closed
}

// DialOptions tunes Dial.
type DialOptions struct {
	Header http.Header
}

// Dial opens /ws with the token in the Authorization header.
func (s *Server) Dial(t testing.TB, token string) *Conn {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return s.DialWith(t, DialOptions{Header: h})
}

// DialWith opens /ws with custom headers and no auth frame.
func (s *Server) DialWith(t testing.TB, o DialOptions) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.WSURL, &websocket.DialOptions{HTTPHeader: o.Header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 24)
	conn := &Conn{t: t, C: c, events: make(chan Event, 100000), done: make(chan struct{})}
	go conn.readLoop()
	t.Cleanup(func() { conn.C.CloseNow(); <-conn.done })
	return conn
}

func (c *Conn) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.C.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			var e Event
			if err := json.Unmarshal(line, &e); err != nil {
				c.err = err
				return
			}
			if len(e.RawMsg) > 0 {
				if e.Type == "error" {
					err = json.Unmarshal(e.RawMsg, &e.Text)
				} else {
					err = json.Unmarshal(e.RawMsg, &e.Message)
				}
				if err != nil {
					c.err = err
					return
				}
			}
			e.Raw = append(json.RawMessage(nil), line...)
			c.events <- e
		}
	}
}

// Send writes one client frame.
func (c *Conn) Send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.SendRaw(b)
}

// SendRaw writes bytes as one text frame.
func (c *Conn) SendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.C.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Next returns the next event, failing the test after timeout.
func (c *Conn) Next(timeout time.Duration) Event {
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
		c.t.Fatalf("connection ended while waiting for an event: %v", c.err)
	case <-time.After(timeout):
		c.t.Fatalf("no event within %v", timeout)
	}
	return Event{}
}

// WaitFor returns the first event matching pred, discarding the others, within timeout.
func (c *Conn) WaitFor(timeout time.Duration, pred func(Event) bool) Event {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			c.t.Fatalf("no matching event within %v", timeout)
		}
		if e := c.Next(left); pred(e) {
			return e
		}
	}
}

// Type matches events of one type.
func Type(typ string) func(Event) bool { return func(e Event) bool { return e.Type == typ } }

// Ready waits for the ready event.
func (c *Conn) Ready() Event {
	c.t.Helper()
	return c.WaitFor(10*time.Second, Type("ready"))
}

// Closed waits until the server closes the connection and returns its close status.
func (c *Conn) Closed(timeout time.Duration) websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.done:
		return websocket.CloseStatus(c.err)
	case <-time.After(timeout):
		c.t.Fatalf("connection still open after %v", timeout)
	}
	return -1
}

// Drain returns the events received so far without waiting.
func (c *Conn) Drain() []Event {
	var out []Event
	for {
		select {
		case e := <-c.events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// ErrClosed reports whether the connection has ended.
func (c *Conn) ErrClosed() error {
	select {
	case <-c.done:
		if c.err == nil {
			return errors.New("closed")
		}
		return c.err
	default:
		return nil
	}
}

// Wait is the default deadline for an expected event.
const Wait = 10 * time.Second
