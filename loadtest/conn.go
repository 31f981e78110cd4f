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
			nd.Control = bindNoPort
		}
		tr := &http.Transport{DialContext: nd.DialContext, MaxIdleConns: -1, DisableKeepAlives: true}
		d.opts = append(d.opts, &websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}, CompressionMode: websocket.CompressionDisabled})
	}
	return d
}

func (d *dialers) get(i int) *websocket.DialOptions { return d.opts[i%len(d.opts)] }

// chatCursor is a connection's position in one chat: seq is the last seq received with
// nothing missing before it (what a resume asks from); ahead holds the seqs received past a
// hole, which a resume from seq fills.
type chatCursor struct {
	id    int64
	seq   int64
	top   int64 // the highest seq received
	ahead map[int64]bool
	// refill: a resume asked again from below a hole, so events up to here come twice.
	refill int64
	// replay: the next seq the stream of a resume on the open socket sends. The node rewinds
	// to the seq the resume names (docs/protocol.md), so the events already on their way when
	// it was asked come twice: first as they were sent, then again in that stream, which
	// starts at the resume's seq+1 and goes on one seq at a time. replaying: it has started.
	replay    int64
	replaying bool
}

// conn is one load client: a seeded user and its socket.
type conn struct {
	r    *runner
	user int // index into the seed's users
	node int // dials r.urls[node mod len]; another one after a failed dial (failover)
	// moved: failed dials since the last ready one; origin: the node of the first of them.
	moved, origin int

	mu      sync.Mutex
	ws      *websocket.Conn
	cursors []chatCursor // the user's chats
	ready   chan struct{}
	hold    holdState   // sends held after an overload refusal (hold.go)
	holds   int         // holds so far (hold.go)
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
	c.mu.Lock()
	url := r.urls[c.node%len(r.urls)]
	c.mu.Unlock()
	ws, resp, err := websocket.Dial(ctx, url, &opts)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			return &refusedError{retryAfter: time.Duration(max(secs, 1)) * time.Second}
		}
		c.mu.Lock()
		if c.moved == 0 {
			c.origin = c.node
		}
		c.node = failover(c.origin, c.user, c.moved, len(r.urls)) // this node may be gone
		c.moved++
		c.mu.Unlock()
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
	c.ws, c.ready, c.closing, c.moved = ws, ready, false, 0
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

// failover is the node a client tries after its moved-th failed dial in a row, the first on
// node origin. User k starts on node k mod n. Its moves go round the n−1 other nodes from an
// offset that depends on k, so the users of a node that died land evenly on the others
// instead of all on its neighbour (which would double that node's sockets), and n−1 moves in
// a row try each other node once.
func failover(origin, user, moved, n int) int {
	if n < 2 {
		return origin
	}
	return (origin + 1 + (user/n+moved)%(n-1)) % n
}

// resumeMapLocked is the resume map from the cursors; c.mu is held.
func (c *conn) resumeMapLocked() map[string]int64 {
	res := make(map[string]int64, len(c.cursors))
	for i := range c.cursors {
		cc := &c.cursors[i]
		res[strconv.FormatInt(cc.id, 10)] = cc.seq
		if len(cc.ahead) > 0 {
			cc.refill = cc.top
		}
	}
	return res
}

func (c *conn) authFrame(tok string) []byte {
	c.mu.Lock()
	res := c.resumeMapLocked()
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

// write sends one frame. A send that could not be written (the connection is down, the server
// closed it) is sent again once it is back, as a client's outbox does; any other failure counts
// as a send error.
func (c *conn) write(frame []byte) {
	c.mu.Lock()
	if c.hold.on { // behind a refused send: in order after it (hold.go)
		c.hold.held = append(c.hold.held, frame)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.send(frame)
}

// send writes frame now, whether or not the connection holds.
func (c *conn) send(frame []byte) {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ref := intAfter(frame, keyRef)
	tries := c.r.tries(ref)
	if ws != nil && ws.Write(ctx, websocket.MessageText, frame) == nil {
		c.r.written(ref, ws, tries)
		return
	}
	if !c.r.retryLater(ref, resendAfterDrop) {
		c.r.st.sendErrors.Add(1)
	}
}

// resendAfterDrop is how long a send written on a dropped connection waits before it is tried
// again (plus jitter); the rejoin takes about as long.
const resendAfterDrop = 500 * time.Millisecond

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
				// coder/websocket leaves a socket whose read failed (EOF, reset) open until the
				// collector finds it; a killed node's thousands would use up the descriptors
				// that their rejoins need.
				ws.CloseNow()
				c.r.unexpectedClose(err)
				if reconnectAdvised(err) {
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
	keyCode   = []byte(`"code":"`)
	keyAt     = []byte(`"created_at":"`)
)

// lateFromAccept is how late from its acceptance a delivery is logged (the first ten of a run):
// where the tail of the latency series comes from.
const lateFromAccept = 3 * time.Second

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
		if !c.advance(intAfter(line, keyChat), intAfter(line, keySeq)) {
			return
		}
		r.st.deliveries.Add(1)
		r.res.Latency.Record(now.Sub(sent))
		accepted, err := time.Parse(time.RFC3339Nano, string(stringAfter(line, keyAt)))
		if err == nil {
			r.res.AcceptLatency.Record(now.Sub(accepted))
			if late := now.Sub(accepted); late > lateFromAccept && r.st.lateLogged.Add(1) <= 10 {
				r.log.Warn("delivery late from acceptance", "late", late, "chat", intAfter(line, keyChat),
					"seq", intAfter(line, keySeq), "user", c.user, "url", r.urls[c.node%len(r.urls)])
			}
		}
		r.series.add(now, func(b *Bucket) {
			b.Latency.Record(now.Sub(sent))
			if err == nil {
				b.AcceptLatency.Record(now.Sub(accepted))
			}
		})
	case bytes.Equal(typ, typeAck):
		retried := false
		if ref := intAfter(line, keyRef); ref > 0 {
			tries, pending := r.forget(ref)
			if !pending {
				break // answered already: the send went out again after a reconnect
			}
			r.res.AckLatency.Record(now.Sub(time.Unix(0, ref)))
			retried = tries > 0
		}
		r.st.acks.Add(1)
		if retried {
			r.st.retriedAccepted.Add(1)
		}
		c.release()
		r.series.add(now, func(b *Bucket) {
			b.Accepted++
			if retried {
				b.RetriedAccepted++
			}
		})
		chat := intAfter(line, keyChat)
		r.acked(chat, intAfter(line, keySeq))
		if r.cfg.Mix != (Mix{}) {
			r.roots.note(chat, intAfter(line, keyMsgID))
		}
	case bytes.Equal(typ, typeReact):
		if c.advance(intAfter(line, keyChat), intAfter(line, keySeq)) {
			r.st.deliveries.Add(1)
			r.st.reactionDeliveries.Add(1)
		}
	case bytes.Equal(typ, typeError):
		r.noteError(line)
		code := string(stringAfter(line, keyCode))
		if code == "overloaded" || code == "rate_limited" {
			r.series.add(now, func(b *Bucket) { b.Refused++ })
		}
		wait := time.Duration(intAfter(line, keyRetry)) * time.Millisecond
		if wait <= 0 && (code == "unavailable" || code == "timeout") {
			wait = resendAfterDrop // the contract: send it again, same client_id (it may have committed)
		}
		if (code == "overloaded" || code == "rate_limited") && r.tries(intAfter(line, keyRef)) < 0 {
			break // a copy of a send answered already (sent again after a reconnect): refused before its lookup
		}
		if (code == "overloaded" || code == "rate_limited") && wait > 0 {
			if frame, ok := r.retrying(intAfter(line, keyRef), code == "overloaded"); ok {
				c.refused(frame, wait) // held, and sent again by the connection's probe
				return
			}
		} else if wait > 0 && r.retryLater(intAfter(line, keyRef), wait) {
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

// advance moves the cursor of a chat, counting duplicates and gaps. A hole (an event past
// seq+1) is counted as a gap and kept open: the cursor stays below it, so the next resume asks
// for it again, and the final audit counts it missing if it never comes. An event already held
// that a resume sends again (past a hole, or in flight when the open-socket resume was asked)
// is not a duplicate. It reports whether the event is new to the connection (only new events
// count as deliveries).
func (c *conn) advance(chat, seq int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.cursors {
		cc := &c.cursors[i]
		if cc.id != chat {
			continue
		}
		held := cc.ahead[seq] || seq <= cc.seq
		// A resume's stream sends seq after seq from its start: held events in it are copies.
		copied := held && (seq == cc.replay || cc.ahead[seq] || seq <= cc.refill)
		if copied || (cc.replaying && seq == cc.replay) {
			cc.replay, cc.replaying = seq+1, true
		}
		switch {
		case copied:
			c.r.st.refetched.Add(1) // held already: a resume sent it again
			return false
		case held:
			c.r.st.duplicates.Add(1)
			if c.r.auditing.Load() {
				c.r.st.auditDuplicates.Add(1)
			}
			return false
		}
		if top := max(cc.seq, cc.top); seq > top+1 {
			c.r.st.gaps.Add(seq - top - 1)
		}
		cc.top = max(cc.top, seq)
		if seq > cc.seq+1 {
			if cc.ahead == nil {
				cc.ahead = map[int64]bool{}
			}
			cc.ahead[seq] = true
			return true
		}
		cc.seq = seq
		for cc.ahead[cc.seq+1] {
			delete(cc.ahead, cc.seq+1)
			cc.seq++
		}
		return true
	}
	return false
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
