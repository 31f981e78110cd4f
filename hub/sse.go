package hub

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fechatter/fechatter"
)

// sseTransport writes events to a text/event-stream response.
type sseTransport struct {
	timeout time.Duration
	w       http.ResponseWriter
	rc      *http.ResponseController
	once    sync.Once
	done    chan struct{} // closed when the server ends the stream
}

func (t *sseTransport) write(batch [][]byte) error {
	_ = t.rc.SetWriteDeadline(time.Now().Add(t.timeout))
	for _, b := range batch {
		if _, err := t.w.Write(b); err != nil {
			return err
		}
	}
	return t.rc.Flush()
}

// close ends the stream; an event stream has no close code to send.
func (t *sseTransport) close(*Disconnect) {
	t.once.Do(func() { close(t.done) })
}

// sseEvent frames one wire event (JSON starting with {"type":"…") for event-stream: the
// event name is the type, and id is the resume cursor when not empty.
func sseEvent(data []byte, id string) []byte {
	typ := eventType(data)
	out := make([]byte, 0, len(data)+len(typ)+len(id)+24)
	out = append(out, "event: "...)
	out = append(out, typ...)
	if id != "" {
		out = append(out, "\nid: "...)
		out = append(out, id...)
	}
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, "\n\n"...)
}

// eventType reads the type of an event encoded by this package ("type" is always first).
func eventType(data []byte) string {
	const prefix = `{"type":"`
	if len(data) <= len(prefix) || string(data[:len(prefix)]) != prefix {
		return "message"
	}
	rest := data[len(prefix):]
	for i, b := range rest {
		if b == '"' {
			return string(rest[:i])
		}
	}
	return "message"
}

var sseKeepalive = []byte(": keepalive\n\n")

// Cursor tokens: the per-chat seqs of a connection, as an opaque SSE id.
// Format: "v1." + base64url(uvarint(chat ID delta), uvarint(seq), …) over chats sorted by ID.
const cursorPrefix = "v1."

// encodeCursors turns the connection's positions into a token. c.mu must be held.
func (c *Client) cursorToken() string {
	ids := make([]int64, 0, len(c.cursors))
	for id := range c.cursors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	buf := make([]byte, 0, len(ids)*6)
	prev := int64(0)
	for _, id := range ids {
		buf = binary.AppendUvarint(buf, uint64(id-prev))
		buf = binary.AppendUvarint(buf, uint64(c.cursors[id].seq))
		prev = id
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

var errBadCursor = errors.New("hub: unreadable resume cursor")

// decodeCursorToken reads a token made by cursorToken.
func decodeCursorToken(tok string) (map[int64]int64, error) {
	rest, ok := strings.CutPrefix(tok, cursorPrefix)
	if !ok || len(rest) > 64<<10 {
		return nil, errBadCursor
	}
	buf, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, errBadCursor
	}
	out := map[int64]int64{}
	prev := uint64(0)
	for len(buf) > 0 {
		d, n := binary.Uvarint(buf)
		if n <= 0 || d == 0 { // chat ids are positive and ascending: every step is one or more
			return nil, errBadCursor
		}
		buf = buf[n:]
		seq, m := binary.Uvarint(buf)
		if m <= 0 || prev+d > 1<<62 || seq > 1<<62 {
			return nil, errBadCursor
		}
		buf = buf[m:]
		prev += d
		out[int64(prev)] = int64(seq)
	}
	return out, nil
}

// ServeSSE serves GET /events: the same events as the WebSocket, one per SSE event, with the
// connection's resume cursor as id on every event that moves it. Last-Event-ID resumes.
func (h *Hub) ServeSSE(w http.ResponseWriter, r *http.Request) {
	if h.Draining() {
		writeHTTPError(w, http.StatusServiceUnavailable, fechatter.EUnavailable, "server is shutting down")
		return
	}
	if err := h.admitConnect(); err != nil {
		refuseConnect(w, err)
		return
	}
	token := bearerToken(r)
	if token == "" {
		token = r.URL.Query().Get("access_token")
	}
	user, id, d := h.authenticateToken(r.Context(), token)
	if d != nil {
		// The close code's advice picks the status: "resume" (the node could not check the
		// token) is a 503 to retry, anything else a 401 whose reason says what to fix.
		status := http.StatusUnauthorized
		if AdviceFor(d.Code) == AdviceResume {
			status = http.StatusServiceUnavailable
		}
		writeHTTPError(w, status, fechatter.EUnauthorized, d.Reason)
		return
	}
	var resume map[int64]int64
	badCursor := false
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		var err error
		if resume, err = decodeCursorToken(id); err != nil {
			badCursor = true
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("Cache-Control", "no-cache, no-transform")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	t := &sseTransport{timeout: h.cfg.WriteTimeout, w: w, rc: http.NewResponseController(w), done: make(chan struct{})}
	if _, err := w.Write([]byte("retry: 2000\n\n")); err != nil || t.rc.Flush() != nil {
		return
	}
	c := newClient(h, t)
	c.sse = true
	if !h.track(c) {
		return
	}
	defer h.untrack(c)
	h.m.connections.Inc()
	defer h.m.connections.Dec()
	defer c.stop()
	if err := c.start(h.ctx, user, id, resume); err != nil {
		h.log.Error("hub: sse setup failed", "user_id", user.ID, "err", err)
		return
	}
	defer c.trackSession("sse", time.Now())()
	if badCursor {
		c.send(encodeError(nil, fechatter.EInvalid, "Last-Event-ID not understood; the stream restarted without replay, page history over REST"))
	}
	tick := time.NewTicker(h.cfg.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-t.done:
			return
		case <-tick.C:
			c.w.enqueue(sseKeepalive)
		}
	}
}
