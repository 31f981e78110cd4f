package history

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ClientConfig configures one recording client.
type ClientConfig struct {
	ID     int    // the client's number in the history
	UserID int64  // whose account
	Token  string // an access token of the account
	// Fresh, when set, gives the token for each new session instead (runs longer than a
	// token's lifetime log in again).
	Fresh func() string
	Chats []int64
	// Nodes returns the addresses (host:port) of the nodes to connect to; the client tries them
	// in turn, a different one after each lost session.
	Nodes func() []string
	Rec   *Recorder
	Seed  uint64
	// Sending says whether to start new sends; unacknowledged ones are retried regardless.
	Sending *atomic.Bool
	Window  int           // sends in flight at once (default 2)
	Every   time.Duration // least time between two frames (default 60ms: under the server's 20 frames/s)
	// ChangeEvery makes one in every ChangeEvery frames an edit, delete or reaction of one of
	// the client's own acked messages (0: none).
	ChangeEvery int
	// RetryAcked resends one in every RetryAcked acked sends with its client_id, as a client
	// that lost the ack would (0: never).
	RetryAcked int
	// SlowReads stops reading for this long after each second of reading, over a connection
	// with a small receive buffer, so the server's writes to it block: a slow consumer. It
	// stalls only while Sending is set: once sends stop it reads on and must catch up.
	SlowReads time.Duration
}

// Client is a WebSocket chat client that records everything it does and sees. It reconnects
// after any lost session with resume, and resends every unacknowledged message with its
// original client_id.
type Client struct {
	cfg ClientConfig
	rng *rand.Rand

	mu      sync.Mutex
	last    map[int64]int64    // chat → newest seq received (or resumed from)
	started bool               // a session has reached ready
	pending map[string]*outMsg // client_id → unacknowledged send
	mine    []ownMsg           // acked messages of this client, to edit, delete and react to
	refs    map[string]string  // ref → client_id of a send in flight on this session
	next    int                // frames sent, for ref numbers and the change schedule
	closes  map[websocket.StatusCode]int
}

type outMsg struct {
	chat     int64
	text     string
	inFlight bool
	again    bool // a resend of an acked message
}

type ownMsg struct {
	chat, id int64
	clientID string
	text     string
	deleted  bool
}

// NewClient returns a client; Run drives it.
func NewClient(cfg ClientConfig) *Client {
	if cfg.Window <= 0 {
		cfg.Window = 2
	}
	if cfg.Every <= 0 {
		cfg.Every = 60 * time.Millisecond
	}
	return &Client{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.ID))), last: map[int64]int64{},
		pending: map[string]*outMsg{}, refs: map[string]string{}, closes: map[websocket.StatusCode]int{}}
}

// Started reports whether the client has had a session (and recorded where it starts).
func (c *Client) Started() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started
}

// Last returns the newest seq the client has of chat.
func (c *Client) Last(chat int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last[chat]
}

// Pending returns how many sends await their ack.
func (c *Client) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Closes returns how often the server closed a session, by close code.
func (c *Client) Closes() map[websocket.StatusCode]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[websocket.StatusCode]int{}
	for k, v := range c.closes {
		out[k] = v
	}
	return out
}

// Run keeps a session up until ctx ends.
func (c *Client) Run(ctx context.Context) {
	for i := c.cfg.ID; ctx.Err() == nil; i++ {
		nodes := c.cfg.Nodes()
		if len(nodes) > 0 {
			c.session(ctx, nodes[i%len(nodes)])
		}
		select { // a client's reconnect backoff
		case <-ctx.Done():
		case <-time.After(time.Duration(30+c.rand(40)) * time.Millisecond):
		}
	}
}

func (c *Client) rand(n int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.IntN(n)
}

func (c *Client) session(ctx context.Context, addr string) {
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	var opts *websocket.DialOptions
	if c.cfg.SlowReads > 0 {
		opts = &websocket.DialOptions{HTTPClient: smallWindow}
	}
	ws, _, err := websocket.Dial(dctx, "ws://"+addr+"/ws", opts)
	cancel()
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 24)
	sctx, stop := context.WithCancel(ctx)
	defer stop()

	c.mu.Lock()
	resume := map[string]int64{}
	if c.started {
		for _, ch := range c.cfg.Chats {
			resume[strconv.FormatInt(ch, 10)] = c.last[ch]
			c.cfg.Rec.Add(Op{Client: c.cfg.ID, Chat: ch, Kind: Resume, Seq: c.last[ch]})
		}
	}
	for _, m := range c.pending {
		m.inFlight = false
	}
	clear(c.refs)
	c.mu.Unlock()
	tok := c.cfg.Token
	if c.cfg.Fresh != nil {
		tok = c.cfg.Fresh()
	}
	auth, _ := json.Marshal(map[string]any{"type": "auth", "token": tok, "resume": resume})
	if ws.Write(sctx, websocket.MessageText, auth) != nil {
		return
	}
	ready := make(chan struct{})
	go c.sendLoop(sctx, ws, ready)
	err = c.readLoop(sctx, ws, ready)
	c.mu.Lock()
	code := websocket.CloseStatus(err)
	c.closes[code]++
	c.mu.Unlock()
	for _, ch := range c.cfg.Chats {
		c.cfg.Rec.Add(Op{Client: c.cfg.ID, Chat: ch, Kind: Drop, Text: fmt.Sprintf("close %d", code)})
	}
}

// wire is every server event field the client reads.
type wire struct {
	Type      string          `json:"type"`
	Ref       string          `json:"ref"`
	Seq       int64           `json:"seq"`
	ChatID    int64           `json:"chat_id"`
	MessageID int64           `json:"message_id"`
	UserID    int64           `json:"user_id"`
	Emoji     string          `json:"emoji"`
	Added     bool            `json:"added"`
	Code      string          `json:"code"`
	RawMsg    json.RawMessage `json:"message"`
	Chats     []struct {
		ID      int64 `json:"id"`
		LastSeq int64 `json:"last_seq"`
	} `json:"chats"`
}

type wireMsg struct {
	ID       int64  `json:"id"`
	ChatID   int64  `json:"chat_id"`
	Seq      int64  `json:"seq"`
	ClientID string `json:"client_id"`
	Text     string `json:"text"`
}

func (c *Client) readLoop(ctx context.Context, ws *websocket.Conn, ready chan struct{}) error {
	stalled := time.Now()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			c.handle([]byte(line), ready)
		}
		if c.cfg.SlowReads > 0 && c.cfg.Sending.Load() && time.Since(stalled) > time.Second {
			select {
			case <-ctx.Done():
			case <-time.After(c.cfg.SlowReads):
			}
			stalled = time.Now()
		}
	}
}

func (c *Client) handle(line []byte, ready chan struct{}) {
	var e wire
	if json.Unmarshal(line, &e) != nil {
		return
	}
	var m wireMsg
	if e.Type != "error" && len(e.RawMsg) > 0 {
		_ = json.Unmarshal(e.RawMsg, &m)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec := c.cfg.Rec
	switch e.Type {
	case "ready":
		if !c.started {
			for _, ch := range e.Chats {
				if c.inChat(ch.ID) {
					c.last[ch.ID] = ch.LastSeq
					rec.Add(Op{Client: c.cfg.ID, Chat: ch.ID, Kind: Resume, Seq: ch.LastSeq})
				}
			}
			c.started = true
		}
		close(ready)
	case "ack":
		id, ok := c.refs[e.Ref]
		delete(c.refs, e.Ref)
		if !ok || id == "" {
			return // an edit, delete or reaction: its event tells the rest
		}
		rec.Add(Op{Client: c.cfg.ID, Chat: m.ChatID, Kind: Ack, Seq: m.Seq, MsgID: m.ID, ClientID: m.ClientID, Ref: e.Ref})
		if p, ok := c.pending[id]; ok {
			delete(c.pending, id)
			if p.again {
				return
			}
			c.mine = append(c.mine, ownMsg{chat: m.ChatID, id: m.ID, clientID: id, text: p.text})
		}
	case "error":
		id, ok := c.refs[e.Ref]
		delete(c.refs, e.Ref)
		rec.Add(Op{Client: c.cfg.ID, Kind: Fail, Ref: e.Ref, Code: e.Code, ClientID: id})
		if p := c.pending[id]; ok && p != nil {
			p.inFlight = false // retried: an error means nothing was stored
		}
	case "resync":
		rec.Add(Op{Client: c.cfg.ID, Chat: e.ChatID, Kind: Resync})
	case "message", "message_edited":
		c.timeline(Op{Type: e.Type, Chat: m.ChatID, Seq: e.Seq, MsgID: m.ID, ClientID: m.ClientID, Text: m.Text})
	case "message_deleted":
		c.timeline(Op{Type: e.Type, Chat: e.ChatID, Seq: e.Seq, MsgID: e.MessageID})
	case "reaction":
		c.timeline(Op{Type: e.Type, Chat: e.ChatID, Seq: e.Seq, MsgID: e.MessageID, UserID: e.UserID, Emoji: e.Emoji, Added: e.Added})
	default:
		if e.Seq > 0 && e.ChatID > 0 { // pins, membership: any other timeline event
			c.timeline(Op{Type: e.Type, Chat: e.ChatID, Seq: e.Seq, MsgID: e.MessageID, UserID: e.UserID})
		}
	}
}

// timeline records a received timeline event. c.mu is held.
func (c *Client) timeline(o Op) {
	if !c.inChat(o.Chat) {
		return
	}
	o.Client, o.Kind = c.cfg.ID, Event
	c.cfg.Rec.Add(o)
	if o.Seq > c.last[o.Chat] {
		c.last[o.Chat] = o.Seq
	}
}

func (c *Client) inChat(id int64) bool {
	for _, ch := range c.cfg.Chats {
		if ch == id {
			return true
		}
	}
	return false
}

// sendLoop writes frames once the session is ready: first every unacknowledged send, then new
// ones while Sending allows, one in ChangeEvery being an edit, delete or reaction instead.
func (c *Client) sendLoop(ctx context.Context, ws *websocket.Conn, ready chan struct{}) {
	select {
	case <-ready:
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(c.cfg.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		frame := c.nextFrame()
		if frame == nil {
			continue
		}
		if ws.Write(ctx, websocket.MessageText, frame) != nil {
			return
		}
	}
}

// nextFrame picks what to send next, records it, and returns the frame (nil: nothing now).
func (c *Client) nextFrame() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	inFlight := len(c.refs)
	if inFlight >= c.cfg.Window {
		return nil
	}
	c.next++
	ref := "r" + strconv.Itoa(c.next)
	for id, m := range c.pending { // retries first
		if !m.inFlight {
			return c.sendFrame(ref, id, m)
		}
	}
	if !c.cfg.Sending.Load() {
		return nil
	}
	if c.cfg.RetryAcked > 0 && len(c.mine) > 0 && c.rng.IntN(c.cfg.RetryAcked) == 0 {
		// A client that lost an ack resends: the same message must come back.
		o := c.mine[c.rng.IntN(len(c.mine))]
		if _, ok := c.pending[o.clientID]; !ok {
			m := &outMsg{chat: o.chat, text: o.text, again: true}
			c.pending[o.clientID] = m
			return c.sendFrame(ref, o.clientID, m)
		}
	}
	if c.cfg.ChangeEvery > 0 && len(c.mine) > 0 && c.next%c.cfg.ChangeEvery == 0 {
		if f := c.changeFrame(ref); f != nil {
			return f
		}
	}
	chat := c.cfg.Chats[c.rng.IntN(len(c.cfg.Chats))]
	id := uuid(c.rng)
	m := &outMsg{chat: chat, text: fmt.Sprintf("c%d n%d", c.cfg.ID, c.next)}
	c.pending[id] = m
	return c.sendFrame(ref, id, m)
}

func (c *Client) sendFrame(ref, id string, m *outMsg) []byte {
	m.inFlight = true
	c.refs[ref] = id
	c.cfg.Rec.Add(Op{Client: c.cfg.ID, Chat: m.chat, Kind: Send, ClientID: id, Text: m.text, Ref: ref})
	b, _ := json.Marshal(map[string]any{"type": "send", "ref": ref, "chat_id": m.chat, "client_id": id, "text": m.text})
	return b
}

// changeFrame edits, deletes, reacts to or unreacts from one of the client's messages.
func (c *Client) changeFrame(ref string) []byte {
	i := c.rng.IntN(len(c.mine))
	m := &c.mine[i]
	if m.deleted {
		return nil
	}
	op := Op{Client: c.cfg.ID, Chat: m.chat, Kind: Request, MsgID: m.id, UserID: c.cfg.UserID, Ref: ref}
	frame := map[string]any{"ref": ref, "chat_id": m.chat, "message_id": m.id}
	switch r := c.rng.IntN(10); {
	case r < 4:
		op.Type, op.Text = "edit", fmt.Sprintf("c%d edit %d", c.cfg.ID, c.next)
		frame["text"] = op.Text
	case r < 5:
		op.Type = "delete"
		m.deleted = true
	default:
		op.Type, op.Emoji = "react", []string{"👍", "🎉", "👀"}[c.rng.IntN(3)]
		if r >= 8 {
			op.Type = "unreact"
		}
		frame["emoji"] = op.Emoji
	}
	frame["type"] = op.Type
	c.refs[ref] = ""
	c.cfg.Rec.Add(op)
	b, _ := json.Marshal(frame)
	return b
}

func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, b>>52, b&0xffffffffffff)
}

// smallWindow dials with a 4 KiB socket receive buffer, so a slow reader pushes back on the
// server at once instead of after megabytes of kernel buffering.
var smallWindow = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	return conn, err
}}}
