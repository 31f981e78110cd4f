package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/openai/openaitest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sseEvent is one event of /events as it came over the wire.
type sseEvent struct {
	event, id string
	hasID     bool
	data      []byte
}

// sseStream reads GET /events strictly: every line is a field the AsyncAPI document names
// (event, id, data, retry) or a comment, and every event has one event: and one data: line.
type sseStream struct {
	t      *testing.T
	events chan sseEvent
	bad    chan string
	done   chan struct{}
	cancel context.CancelFunc
	body   interface{ Close() error }
}

func openSSE(t *testing.T, s *ft.Server, token, lastEventID string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", s.URL+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open /events: %v", err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		resp.Body.Close()
		t.Fatalf("open /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &sseStream{t: t, events: make(chan sseEvent, 1000), bad: make(chan string, 100), done: make(chan struct{}), cancel: cancel, body: resp.Body}
	go st.read(bufio.NewScanner(resp.Body))
	t.Cleanup(func() {
		st.cancel()
		st.body.Close()
		<-st.done
		close(st.bad)
		for b := range st.bad {
			t.Errorf("SSE stream: %s", b)
		}
	})
	return st
}

func (st *sseStream) read(sc *bufio.Scanner) {
	defer close(st.done)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	events, datas := 0, 0
	for sc.Scan() {
		line := sc.Text()
		field, value, _ := strings.Cut(line, ": ")
		switch {
		case line == "":
			if events+datas > 0 {
				if events != 1 || datas != 1 {
					st.bad <- fmt.Sprintf("an event with %d event: and %d data: lines (%s)", events, datas, ev.event)
				}
				st.events <- ev
			}
			ev, events, datas = sseEvent{}, 0, 0
		case strings.HasPrefix(line, ":"): // a comment (keepalive)
		case field == "retry" && value == "2000":
		case field == "event":
			ev.event, events = value, events+1
		case field == "id":
			if ev.hasID {
				st.bad <- "two id: lines in one event"
			}
			ev.id, ev.hasID = value, true
		case field == "data":
			ev.data, datas = []byte(value), datas+1
		default:
			st.bad <- fmt.Sprintf("a line the document does not name: %q", line)
		}
	}
}

// sseCheck validates every SSE event read against the AsyncAPI schemas of the sse channel.
type sseCheck struct {
	t            *testing.T
	fields, serv *jsonschema.Schema
	seen         map[string]bool
	got          map[*sseStream][]sseEvent
}

func (c *sseCheck) check(e sseEvent) {
	c.t.Helper()
	fields := map[string]any{"event": e.event}
	if e.hasID {
		fields["id"] = e.id
	}
	if err := c.fields.Validate(fields); err != nil {
		c.t.Errorf("SSE fields %v do not match SSEFields: %v", fields, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.data))
	if err != nil {
		c.t.Fatalf("SSE data %s: %v", e.data, err)
	}
	if err := c.serv.Validate(v); err != nil {
		c.t.Errorf("SSE data %s does not match ServerEvent: %v", e.data, err)
	}
	var typ struct{ Type string }
	_ = json.Unmarshal(e.data, &typ)
	if typ.Type != e.event {
		c.t.Errorf("SSE event: %q with data of type %q", e.event, typ.Type)
	}
	c.seen[e.event] = true
}

// wait returns the first event of type typ on st, validating every event read; others are
// kept for later waits.
func (c *sseCheck) wait(st *sseStream, typ string) sseEvent {
	c.t.Helper()
	for i, e := range c.got[st] {
		if e.event == typ {
			c.got[st] = append(c.got[st][:i], c.got[st][i+1:]...)
			return e
		}
	}
	deadline := time.NewTimer(ft.Wait)
	defer deadline.Stop()
	for {
		select {
		case e := <-st.events:
			c.check(e)
			if e.event == typ {
				return e
			}
			c.got[st] = append(c.got[st], e)
		case <-st.done:
			c.t.Fatalf("the SSE stream ended before a %s event", typ)
		case <-deadline.C:
			c.t.Fatalf("no %s event on the SSE stream", typ)
		}
	}
}

// The events of a real node's SSE stream match the AsyncAPI document: the data: of each
// against ServerEvent, its event: and id: against SSEFields. The scenario meets every event
// the stream can carry but resync (its golden example is checked above); ack, pong and
// authenticated answer socket frames, which a stream cannot send.
func TestRealSSEEventsMatchAsyncAPI(t *testing.T) {
	c := &sseCheck{t: t, fields: asyncSchema(t, "SSEFields"), serv: asyncSchema(t, "ServerEvent"), seen: map[string]bool{}, got: map[*sseStream][]sseEvent{}}
	model := openaitest.New(t, nil) // the assistant's stream events, from a stand-in model
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.Assistant = node.AssistantConfig{URL: model.URL, Model: "standin-1"}
	}})
	ann := s.Signup(t, "ann@example.com", "acme")
	ben := s.Signup(t, "ben@example.com", "acme")
	cid := s.Signup(t, "cid@example.com", "acme")
	var info struct{ Bot fechatter.User }
	s.MustDo(t, 200, "GET", "/api/v1/assistant", ann.AccessToken, nil, &info)
	chat := s.CreateChat(t, ann, "group", "team", ben.User.ID, info.Bot.ID)

	b := openSSE(t, s, ben.AccessToken, "")
	ready := c.wait(b, "ready")
	a := s.Dial(t, ann.AccessToken)
	a.WaitFor(ft.Wait, func(e ft.Event) bool { return e.Type == "ready" })
	c.wait(b, "presence")

	a.Send(map[string]any{"type": "send", "chat_id": chat.ID, "client_id": "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": fmt.Sprintf("hi <@%d>", ben.User.ID)})
	msg := c.wait(b, "message")
	c.wait(b, "mention")
	var m struct{ Message struct{ ID, Seq int64 } }
	if err := json.Unmarshal(msg.data, &m); err != nil {
		t.Fatal(err)
	}
	a.Send(map[string]any{"type": "edit", "chat_id": chat.ID, "message_id": m.Message.ID, "text": "hello"})
	c.wait(b, "message_edited")
	a.Send(map[string]any{"type": "react", "chat_id": chat.ID, "message_id": m.Message.ID, "emoji": "👍"})
	c.wait(b, "reaction")
	a.Send(map[string]any{"type": "pin", "chat_id": chat.ID, "message_id": m.Message.ID})
	c.wait(b, "pinned")
	a.Send(map[string]any{"type": "typing", "chat_id": chat.ID})
	c.wait(b, "typing")
	a.Send(map[string]any{"type": "read", "chat_id": chat.ID, "seq": m.Message.Seq})
	c.wait(b, "read")
	s.MustDo(t, 202, "POST", fmt.Sprintf("/api/v1/chats/%d/ask", chat.ID), ann.AccessToken, map[string]any{"text": "status?"}, nil)
	c.wait(b, "stream")
	a.Send(map[string]any{"type": "delete", "chat_id": chat.ID, "message_id": m.Message.ID})
	c.wait(b, "message_deleted")

	s.MustDo(t, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/members", chat.ID), ann.AccessToken, map[string]any{"user_ids": []int64{cid.User.ID}}, nil)
	c.wait(b, "member_joined")
	s.MustDo(t, 204, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", chat.ID, cid.User.ID), ann.AccessToken, nil, nil)
	c.wait(b, "member_left")
	s.CreateChat(t, ann, "group", "second", ben.User.ID)
	c.wait(b, "chat_joined")
	s.MustDo(t, 204, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", chat.ID, ben.User.ID), ann.AccessToken, nil, nil)
	c.wait(b, "chat_left")

	// A resume cursor of this stream resumes; an unreadable one is an error event.
	c.wait(openSSE(t, s, ben.AccessToken, ready.id), "ready")
	bad := openSSE(t, s, ben.AccessToken, "v2.nonsense")
	c.wait(bad, "ready")
	c.wait(bad, "error")

	for typ := range eventTypes(t) {
		switch typ {
		case "resync", "ack", "pong", "authenticated":
			continue
		}
		if !c.seen[typ] {
			t.Errorf("the SSE scenario never met a %q event: extend it", typ)
		}
	}
}
