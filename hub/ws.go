package hub

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter"
)

// frames holds the buffers that frames are built in.
var frames = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledFrame is the largest frame whose buffer goes back to the pool.
const maxPooledFrame = 64 << 10

// wsTransport writes frames to a WebSocket and closes it with a close code.
type wsTransport struct {
	conn *websocket.Conn
	raw  *frameConn // where write's frames go (frames.go)
	once sync.Once
	done chan struct{} // closed when the close handshake is over
}

// write sends the batch as one text frame, its events joined by '\n', in one write(2). It
// uses no deadline of its own: a per-write timer costs more than the write on a busy node. A
// write stuck for longer than WriteTimeout is noticed by the writer (at the next event
// queued, or at the keepalive's next tick), which closes the connection as a slow consumer;
// closing the socket ends the write.
func (t *wsTransport) write(batch [][]byte) error {
	buf := frames.Get().(*[]byte)
	b := appendTextFrame((*buf)[:0], batch)
	err := t.raw.writeFrame(b)
	if cap(b) <= maxPooledFrame {
		*buf = b
		frames.Put(buf)
	}
	return err
}

func (t *wsTransport) close(d *Disconnect) {
	t.once.Do(func() {
		go func() {
			defer close(t.done)
			_ = t.conn.Close(d.Code, d.Reason)
		}()
	})
}

// ServeHTTP serves GET /ws: the WebSocket handshake (Origin checked), then hands the
// connection to a goroutine of its own (serveWS) and returns. The request's goroutine has
// net/http's frames under it and keeps its request, response and their buffers alive for as
// long as it runs; a socket held open for hours should hold none of that.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.Draining() {
		writeHTTPError(w, http.StatusServiceUnavailable, fechatter.EUnavailable, "server is shutting down")
		return
	}
	if err := h.admitConnect(); err != nil {
		refuseConnect(w, err)
		return
	}
	token := bearerToken(r)
	hj := &hijacker{ResponseWriter: w}
	conn, err := websocket.Accept(hj, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.AllowedOrigins})
	if err != nil {
		return // Accept answered: 403 for a foreign Origin, 400 for a bad handshake
	}
	conn.SetReadLimit(h.cfg.ReadLimit)
	t := &wsTransport{conn: conn, raw: hj.conn, done: make(chan struct{})}
	c := newClient(h, t)
	if !h.track(c) {
		t.close(DisconnectRestart)
		<-t.done
		return
	}
	go h.serveWS(c, t, conn, token)
}

// serveWS authenticates a tracked connection by header token or first frame, then runs its
// read loop until it closes.
func (h *Hub) serveWS(c *Client, t *wsTransport, conn *websocket.Conn, token string) {
	defer h.untrack(c)
	h.m.connections.Inc()
	defer h.m.connections.Dec()
	defer func() {
		c.stop()
		t.close(DisconnectNormal)
		<-t.done
	}()

	if d := c.setup(conn, token); d != nil {
		c.close(d)
		return
	}
	defer c.keepalive(conn)()
	defer c.trackSession("ws", time.Now())()
	for {
		_, data, err := conn.Read(h.ctx)
		if err != nil {
			return
		}
		c.readAt.Store(time.Now().UnixNano())
		c.busy.Store(true)
		c.handle(data)
		if c.frameDone() {
			return
		}
	}
}

// setup authenticates the connection and starts it. It runs on a goroutine of its own: the
// store calls it makes are deep (SQLite especially), and a goroutine's stack keeps the size it
// grew to, so the connection's long-lived read goroutine would hold that memory for as long as
// the socket is open.
func (c *Client) setup(conn *websocket.Conn, token string) *Disconnect {
	d := make(chan *Disconnect, 1)
	go func() {
		user, id, resume, dis := c.authenticate(conn, token)
		if dis == nil {
			// how long the node takes to start a connection once it has the token: a
			// clock of its own lateness (the client's time to send auth is not counted)
			at := time.Now()
			if err := c.start(c.h.ctx, user, id, resume); err != nil {
				c.h.log.Error("hub: connection setup failed", "user_id", user.ID, "err", err)
				dis = DisconnectRestart
			}
			c.h.load.setup.observe(time.Since(at), time.Now())
		}
		d <- dis
	}()
	return <-d
}

// authenticate resolves the connection's user from the header token or the auth frame.
func (c *Client) authenticate(conn *websocket.Conn, token string) (fechatter.User, Identity, map[int64]int64, *Disconnect) {
	h := c.h
	var resume map[int64]int64
	if token == "" {
		stop := h.deadline(h.cfg.AuthTimeout, "auth", func() { c.close(unauthorized("auth timeout")) })
		_, data, err := conn.Read(h.ctx)
		if !stop() || err != nil {
			return fechatter.User{}, Identity{}, nil, unauthorized("auth timeout")
		}
		f, err := decodeFrame(data)
		if err != nil || f.Type != frameAuth || f.Token == "" {
			return fechatter.User{}, Identity{}, nil, unauthorized("first frame must be auth with a token")
		}
		token = f.Token
		if resume, err = resumeMap(f.Resume); err != nil {
			c.replyError(f.Ref, err)
			resume = nil
		}
	}
	user, id, d := h.authenticateToken(h.ctx, token)
	return user, id, resume, d
}

// authenticateToken resolves an access token to the active user of a live session.
func (h *Hub) authenticateToken(ctx context.Context, token string) (fechatter.User, Identity, *Disconnect) {
	if token == "" {
		return fechatter.User{}, Identity{}, unauthorized("missing token")
	}
	id, err := h.cfg.Auth.Authenticate(token)
	if err != nil {
		return fechatter.User{}, Identity{}, unauthorized(fechatter.ErrorMessage(err))
	}
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	user, err := h.cfg.Store.UserSession(ctx, id.UserID, id.Session)
	switch {
	case fechatter.ErrorCode(err) == fechatter.EUnauthorized:
		// A valid token of an ended session or a disabled account: access was revoked.
		return fechatter.User{}, Identity{}, revoked(fechatter.ErrorMessage(err))
	case err != nil:
		h.log.Error("hub: loading user", "user_id", id.UserID, "err", err)
		return fechatter.User{}, Identity{}, DisconnectRestart
	}
	return user, id, nil
}

func bearerToken(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "Bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

func writeHTTPError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encode(map[string]any{"error": map[string]string{"code": code, "message": msg}}))
}
