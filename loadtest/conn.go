package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// dialers hands out a WebSocket dial configuration per source address, round robin, so that
// one process can open more connections to one listener than one address has ports.
type dialers struct {
	opts []*websocket.DialOptions
}

func newDialers(sources []net.IP) *dialers {
	d := &dialers{}
	if len(sources) == 0 {
		sources = []net.IP{nil}
	}
	for _, ip := range sources {
		nd := &net.Dialer{Timeout: 10 * time.Second}
		if ip != nil {
			nd.LocalAddr = &net.TCPAddr{IP: ip}
		}
		tr := &http.Transport{DialContext: nd.DialContext, MaxIdleConns: -1, DisableKeepAlives: true}
		d.opts = append(d.opts, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}, CompressionMode: websocket.CompressionDisabled})
	}
	return d
}

func (d *dialers) get(i int) *websocket.DialOptions { return d.opts[i%len(d.opts)] }

// chatCursor is a connection's position in one chat: the last seq received.
type chatCursor struct {
	id  int64
	seq int64
}

// conn is one load client: a seeded user and its socket.
type conn struct {
	r    *runner
	user int // index into the seed's users

	mu      sync.Mutex
	ws      *websocket.Conn
	cursors []chatCursor // the user's chats
	ready   chan struct{}
	closing bool        // a deliberate close is in progress (churn, end of run)
	dialing atomic.Bool // a reconnect is in progress (churn or rejoin): one at a time
	up      bool        // connected and ready
}

// dial opens the socket and waits for ready. With resume it authenticates by first frame
// and resumes from the cursors, as a browser does after a reconnect; otherwise by header.
func (c *conn) dial(ctx context.Context, resume bool) error {
	r := c.r
	tok := r.cfg.Seed.Users[c.user].Token
	opts := *r.dialers.get(c.user)
	if !resume {
		opts.HTTPHeader = http.Header{"Authorization": {"Bearer " + tok}}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, r.cfg.URL, &opts)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &refusedError{retryAfter: time.Duration(max(secs, 1)) * time.Second}
		}
		return err
	}
	ws.SetReadLimit(4 << 20)
	if resume {
		if err := ws.Write(ctx, websocket.MessageText, c.authFrame(tok)); err != nil {
			ws.CloseNow()
			return err
		}
	}
	ready := make(chan struct{})
	c.mu.Lock()
	c.ws, c.ready, c.closing = ws, ready, false
	c.mu.Unlock()
	done := make(chan struct{})
	go c.readLoop(ws, done)
	select {
	case <-ready:
		c.mu.Lock()
		c.up = true
		c.mu.Unlock()
		return nil
	case <-done:
		return errors.New("closed before ready")
	case <-ctx.Done():
		ws.CloseNow()
		return fmt.Errorf("no ready: %w", ctx.Err())
	}
}

func (c *conn) authFrame(tok string) []byte {
	c.mu.Lock()
	res := make(map[string]int64, len(c.cursors))
	for _, cc := range c.cursors {
		res[strconv.FormatInt(cc.id, 10)] = cc.seq
	}
	c.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"type": "auth", "token": tok, "resume": res})
	return b
}

// refusedError is a handshake the server refused for now (HTTP 503): retry after retryAfter.
type refusedError struct{ retryAfter time.Duration }

func (e *refusedError) Error() string {
	return fmt.Sprintf("refused (503), retry after %v", e.retryAfter)
}

// close closes the socket deliberately (not counted as an unexpected close).
func (c *conn) close() {
	c.mu.Lock()
	ws := c.ws
	c.closing, c.up = true, false
	c.mu.Unlock()
	if ws != nil {
		ws.Close(websocket.StatusNormalClosure, "")
	}
}

func (c *conn) isUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// write sends one frame; a failure counts as a send error.
func (c *conn) write(frame []byte) {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ws == nil || ws.Write(ctx, websocket.MessageText, frame) != nil {
		c.r.st.sendErrors.Add(1)
	}
}

func (c *conn) readLoop(ws *websocket.Conn, done chan struct{}) {
	defer close(done)
	for {
		_, data, err := ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			deliberate := c.closing || c.ws != ws
			if c.ws == ws {
				c.up = false
			}
			c.mu.Unlock()
			if !deliberate {
				c.r.unexpectedClose(err)
				if c.r.cfg.Scenario == Churn {
					go c.r.rejoin(c)
				}
			}
			return
		}
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			c.handle(line)
		}
	}
}

var (
	keyType   = []byte(`"type":"`)
	keySeq    = []byte(`"seq":`)
	keyChat   = []byte(`"chat_id":`)
	keyRef    = []byte(`"ref":`)
	keyRetry  = []byte(`"retry_after_ms":`)
	typeMsg   = []byte("message")
	typeAck   = []byte("ack")
	typeError = []byte("error")
	typeReady = []byte("ready")
	typeRsync = []byte("resync")
	typeReact = []byte("reaction")
	keyMsgID  = []byte(`"message":{"id":`)
)

// handle processes one event. Message events and acks, the hot path, are read by scanning
// for their keys (JSON escapes quotes inside strings, so a key cannot appear in a text);
// everything else is decoded fully.
func (c *conn) handle(line []byte) {
	r := c.r
	now := time.Now()
	typ := stringAfter(line, keyType)
	switch {
	case bytes.Equal(typ, typeMsg):
		sent, ok := r.sentAt(line)
		if !ok {
			return // not a message of this run
		}
		r.st.deliveries.Add(1)
		r.res.Latency.Record(now.Sub(sent))
		c.advance(intAfter(line, keyChat), intAfter(line, keySeq))
	case bytes.Equal(typ, typeAck):
		r.st.acks.Add(1)
		if ref := intAfter(line, keyRef); ref > 0 {
			r.res.AckLatency.Record(now.Sub(time.Unix(0, ref)))
			r.forget(ref)
		}
		chat := intAfter(line, keyChat)
		r.acked(chat, intAfter(line, keySeq))
		if r.cfg.Mix != (Mix{}) {
			r.roots.note(chat, intAfter(line, keyMsgID))
		}
	case bytes.Equal(typ, typeReact):
		r.st.deliveries.Add(1)
		r.st.reactionDeliveries.Add(1)
		c.advance(intAfter(line, keyChat), intAfter(line, keySeq))
	case bytes.Equal(typ, typeError):
		r.noteError(line)
		if ms := intAfter(line, keyRetry); ms > 0 && r.retryLater(intAfter(line, keyRef), time.Duration(ms)*time.Millisecond) {
			return // answered later by the retry's ack or error
		}
		r.st.sendErrors.Add(1)
	case bytes.Equal(typ, typeReady):
		c.onReady(line)
	case bytes.Equal(typ, typeRsync):
		r.st.resyncs.Add(1)
	default:
		r.st.other.Add(1) // presence, typing, pong, …
	}
}

// advance moves the cursor of a chat, counting duplicates and gaps.
func (c *conn) advance(chat, seq int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.cursors {
		cc := &c.cursors[i]
		if cc.id != chat {
			continue
		}
		switch {
		case seq <= cc.seq:
			c.r.st.duplicates.Add(1)
			return
		case seq > cc.seq+1:
			c.r.st.gaps.Add(seq - cc.seq - 1)
		}
		cc.seq = seq
		return
	}
}

// onReady records the chats' last seqs on the first connect; a resumed connection keeps its
// cursors, since the server replays from them.
func (c *conn) onReady(line []byte) {
	var ev struct {
		Chats []struct {
			ID      int64 `json:"id"`
			LastSeq int64 `json:"last_seq"`
		} `json:"chats"`
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		c.r.noteError(line)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cursors == nil {
		c.cursors = make([]chatCursor, 0, len(ev.Chats))
		for _, ch := range ev.Chats {
			c.cursors = append(c.cursors, chatCursor{id: ch.ID, seq: ch.LastSeq})
		}
	}
	select {
	case <-c.ready: // a ready of an older socket of this connection already counted
	default:
		close(c.ready)
	}
}

// stringAfter returns the JSON string value following key, without unescaping.
func stringAfter(line, key []byte) []byte {
	i := bytes.Index(line, key)
	if i < 0 {
		return nil
	}
	rest := line[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return nil
}

// intAfter returns the non-negative integer following key, or -1.
func intAfter(line, key []byte) int64 {
	i := bytes.Index(line, key)
	if i < 0 {
		return -1
	}
	var n int64 = -1
	for _, b := range line[i+len(key):] {
		if b < '0' || b > '9' {
			break
		}
		n = max(n, 0)*10 + int64(b-'0')
	}
	return n
}
