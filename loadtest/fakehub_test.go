package loadtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	loadseed "github.com/fechatter/fechatter/loadtest/seed"
)

// fakeHub speaks just enough of the wire protocol for the generator (one chat, sends, acks,
// message events, resume) to make faults on purpose: refuse sends, lose a delivery live or for
// good, close a connection. The real node never does the last; the generator must see it.
type fakeHub struct {
	t      *testing.T
	chat   int64
	refuse func(clientID string, tries int) bool // answer overloaded instead of storing
	// dropLive and dropReplay lose the delivery of seq to user, live or in a replay.
	dropLive, dropReplay func(user int, seq int64) bool
	closeAt              func(user int, seq int64) bool // close user's socket with 1012 after seq
	// dropAt drops user's socket after seq without a close frame, as a SIGKILLed node's go.
	dropAt func(user int, seq int64) bool
	// closeBeforeAck stores a send and closes its sender's socket with 1012 instead of acking it.
	closeBeforeAck func(clientID string) bool

	mu     sync.Mutex
	events [][]byte // by seq-1
	acks   map[string][]byte
	tries  map[string]int
	conns  map[*websocket.Conn]int
	wg     sync.WaitGroup
}

func startFakeHub(t *testing.T, users int, h *fakeHub) (*loadseed.File, string) {
	h.t, h.chat, h.acks, h.tries, h.conns = t, 7, map[string][]byte{}, map[string]int{}, map[*websocket.Conn]int{}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() {
		h.mu.Lock()
		for c := range h.conns {
			c.CloseNow()
		}
		h.mu.Unlock()
		srv.Close()
		h.wg.Wait()
	})
	f := &loadseed.File{Chats: []loadseed.Chat{{ID: h.chat}}}
	for u := range users {
		f.Users = append(f.Users, loadseed.User{ID: int64(u + 1), Token: "t" + strconv.Itoa(u)})
		f.Chats[0].Members = append(f.Chats[0].Members, u)
	}
	return f, "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
}

type fakeFrame struct {
	Type     string           `json:"type"`
	Token    string           `json:"token"`
	Resume   map[string]int64 `json:"resume"`
	Chats    map[string]int64 `json:"chats"`
	ClientID string           `json:"client_id"`
	Text     string           `json:"text"`
	Ref      json.RawMessage  `json:"ref"`
}

func (h *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	h.wg.Add(1)
	defer h.wg.Done()
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	var resume map[string]int64
	if tok == "" {
		var f fakeFrame
		if _, b, err := c.Read(ctx); err != nil || json.Unmarshal(b, &f) != nil {
			return
		}
		tok, resume = f.Token, f.Resume
	}
	user, _ := strconv.Atoi(strings.TrimPrefix(tok, "t"))
	// Everything a connection is sent is written under mu, so a replay and the live events
	// around it never interleave (the real node orders them too).
	h.mu.Lock()
	h.conns[c] = user
	_ = c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"ready","chats":[{"id":%d,"last_seq":%d}]}`, h.chat, len(h.events)))
	if resume != nil {
		h.replay(c, user, resume)
	}
	h.mu.Unlock()
	defer func() { h.mu.Lock(); delete(h.conns, c); h.mu.Unlock() }()
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		var f fakeFrame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		switch f.Type {
		case "send":
			h.send(c, f)
		case "resume":
			h.mu.Lock()
			h.replay(c, user, f.Chats)
			h.mu.Unlock()
		}
	}
}

// replay writes the events after from's seq; the caller holds mu.
func (h *fakeHub) replay(c *websocket.Conn, user int, from map[string]int64) {
	after := from[strconv.FormatInt(h.chat, 10)]
	evs := h.events[min(after, int64(len(h.events))):]
	for i, ev := range evs {
		if seq := after + int64(i) + 1; h.dropReplay == nil || !h.dropReplay(user, seq) {
			_ = c.Write(context.Background(), websocket.MessageText, ev)
		}
	}
}

func (h *fakeHub) send(c *websocket.Conn, f fakeFrame) {
	ctx := context.Background()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tries[f.ClientID]++
	if ack, ok := h.acks[f.ClientID]; ok {
		_ = c.Write(ctx, websocket.MessageText, ack)
		return
	}
	if h.refuse != nil && h.refuse(f.ClientID, h.tries[f.ClientID]) {
		_ = c.Write(ctx, websocket.MessageText, fmt.Appendf(nil,
			`{"type":"error","ref":%s,"code":"overloaded","message":"message not sent","retry_after_ms":20}`, f.Ref))
		return
	}
	seq := int64(len(h.events) + 1)
	msg, _ := json.Marshal(map[string]any{"id": seq, "chat_id": h.chat, "seq": seq, "sender_id": 1,
		"client_id": f.ClientID, "text": f.Text, "created_at": time.Now().UTC().Format(time.RFC3339Nano)})
	ev := fmt.Appendf(nil, `{"type":"message","seq":%d,"message":%s}`, seq, msg)
	h.events = append(h.events, ev)
	ack := fmt.Appendf(nil, `{"type":"ack","ref":%s,"message":%s}`, f.Ref, msg)
	h.acks[f.ClientID] = ack
	for tc, user := range h.conns {
		if h.dropLive == nil || !h.dropLive(user, seq) {
			_ = tc.Write(ctx, websocket.MessageText, ev)
		}
		if h.dropAt != nil && h.dropAt(user, seq) {
			tc.CloseNow()
			continue
		}
		if h.closeAt != nil && h.closeAt(user, seq) {
			h.wg.Add(1)
			go func() { defer h.wg.Done(); tc.Close(websocket.StatusServiceRestart, "server restart") }()
		}
	}
	if h.closeBeforeAck != nil && h.closeBeforeAck(f.ClientID) {
		h.wg.Add(1)
		go func() { defer h.wg.Done(); c.Close(websocket.StatusServiceRestart, "server restart") }()
		return
	}
	_ = c.Write(ctx, websocket.MessageText, ack)
}
