package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/api"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/openai/openaitest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// asyncDoc is the AsyncAPI document as a JSON value.
func asyncDoc(t *testing.T) map[string]any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.AsyncAPI()))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// asyncSchema compiles one schema of the AsyncAPI document's components (JSON Schema draft 07,
// AsyncAPI's default schema format).
func asyncSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	if err := c.AddResource("asyncapi.json", asyncDoc(t)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("asyncapi.json#/components/schemas/" + name)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return s
}

// The document is AsyncAPI 3, every $ref in it resolves, and every schema the ServerEvent and
// ClientFrame lists name exists.
func TestAsyncAPIDocument(t *testing.T) {
	doc := asyncDoc(t)
	if doc["asyncapi"] != "3.0.0" {
		t.Fatalf("asyncapi %v, want 3.0.0", doc["asyncapi"])
	}
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	if len(refs) < 50 {
		t.Fatalf("only %d $refs: is the walk right?", len(refs))
	}
	for _, r := range refs {
		if !strings.HasPrefix(r, "#/") {
			t.Errorf("external $ref %s", r)
			continue
		}
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		if cur == nil {
			t.Errorf("$ref %s does not resolve", r)
		}
	}
	asyncSchema(t, "ServerEvent")
	asyncSchema(t, "ClientFrame")
}

// eventTypes maps each event type to the schema of the ServerEvent list that defines it.
func eventTypes(t *testing.T) map[string]string {
	t.Helper()
	schemas := asyncDoc(t)["components"].(map[string]any)["schemas"].(map[string]any)
	out := map[string]string{}
	for _, ref := range schemas["ServerEvent"].(map[string]any)["oneOf"].([]any) {
		name := strings.TrimPrefix(ref.(map[string]any)["$ref"].(string), "#/components/schemas/")
		typ := schemas[name].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["const"].(string)
		out[typ] = name
	}
	return out
}

// Every golden event (docs/events, checked against the hub's encoders by hub/golden_test.go)
// matches the ServerEvent schema, and every event type the document lists has a golden one.
func TestGoldenEventsMatchAsyncAPI(t *testing.T) {
	ev := asyncSchema(t, "ServerEvent")
	files, err := filepath.Glob("../docs/events/*.json")
	if err != nil || len(files) < 15 {
		t.Fatalf("golden events: %v (%d files)", err, len(files))
	}
	golden := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := ev.Validate(v); err != nil {
			t.Errorf("%s does not match the AsyncAPI ServerEvent schema: %v", filepath.Base(f), err)
		}
		golden[v.(map[string]any)["type"].(string)] = true
	}
	for typ := range eventTypes(t) {
		if !golden[typ] {
			t.Errorf("no golden event in docs/events for %q", typ)
		}
	}
	// The schema can fail: an unknown field and a missing one are refused.
	for _, bad := range []string{`{"type":"typing","chat_id":7,"user_id":5,"extra":1}`, `{"type":"read","chat_id":7,"user_id":5}`, `{"type":"nope"}`} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if ev.Validate(v) == nil {
			t.Errorf("the schema accepted %s", bad)
		}
	}
}

// frames validates every frame a client sends and every event it receives against the
// AsyncAPI schemas while a scenario runs.
type frames struct {
	t            *testing.T
	client, serv *jsonschema.Schema
	seen         map[string]bool
	got          map[*ft.Conn][]ft.Event // read by wait but not yet waited for
}

func (f *frames) send(c *ft.Conn, frame map[string]any) {
	f.t.Helper()
	raw, _ := json.Marshal(frame)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err := f.client.Validate(v); err != nil {
		f.t.Errorf("client frame %s does not match ClientFrame: %v", raw, err)
	}
	c.SendRaw(raw)
}

// wait returns the first event of type typ on c, reading (and validating) events until it
// comes; events of other types read meanwhile are kept for later waits, in any order.
func (f *frames) wait(c *ft.Conn, typ string) ft.Event {
	f.t.Helper()
	for i, e := range f.got[c] {
		if e.Type == typ {
			f.got[c] = append(f.got[c][:i], f.got[c][i+1:]...)
			return e
		}
	}
	deadline := time.Now().Add(ft.Wait)
	for time.Now().Before(deadline) {
		e := c.Next(time.Until(deadline))
		f.check(e)
		if e.Type == typ {
			return e
		}
		f.got[c] = append(f.got[c], e)
	}
	f.t.Fatalf("no %s event", typ)
	return ft.Event{}
}

func (f *frames) check(e ft.Event) {
	f.t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.Raw))
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.serv.Validate(v); err != nil {
		f.t.Errorf("server event %s does not match ServerEvent: %v", e.Raw, err)
	}
	f.seen[e.Type] = true
}

// The frames of a real node match the AsyncAPI document: a scenario sends every kind of
// client frame and meets every server event but resync (its golden example is checked above).
func TestRealFramesMatchAsyncAPI(t *testing.T) {
	f := &frames{t: t, client: asyncSchema(t, "ClientFrame"), serv: asyncSchema(t, "ServerEvent"), seen: map[string]bool{}, got: map[*ft.Conn][]ft.Event{}}
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

	a := s.DialWith(t, ft.DialOptions{}) // browser style: the auth frame first
	f.send(a, map[string]any{"type": "auth", "token": ann.AccessToken, "resume": map[string]int64{fmt.Sprint(chat.ID): 0}})
	f.wait(a, "ready")
	b := s.Dial(t, ben.AccessToken)
	f.wait(b, "ready")
	f.wait(a, "presence")

	f.send(a, map[string]any{"type": "ping", "ref": 1})
	f.wait(a, "pong")
	f.send(a, map[string]any{"type": "auth", "token": ann.AccessToken, "ref": "renew"})
	f.wait(a, "authenticated")
	f.send(a, map[string]any{"type": "send", "ref": "s1", "chat_id": chat.ID, "client_id": "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f",
		"text": fmt.Sprintf("hi <@%d>", ben.User.ID)})
	msg := f.wait(a, "ack").Message
	f.wait(b, "message")
	f.wait(b, "mention")
	f.send(a, map[string]any{"type": "edit", "ref": "e1", "chat_id": chat.ID, "message_id": msg.ID, "text": "hello"})
	f.wait(b, "message_edited")
	f.send(b, map[string]any{"type": "react", "ref": "r1", "chat_id": chat.ID, "message_id": msg.ID, "emoji": "👍"})
	f.wait(a, "reaction")
	f.send(b, map[string]any{"type": "unreact", "chat_id": chat.ID, "message_id": msg.ID, "emoji": "👍"})
	f.send(b, map[string]any{"type": "pin", "chat_id": chat.ID, "message_id": msg.ID})
	f.wait(a, "pinned")
	f.send(b, map[string]any{"type": "unpin", "chat_id": chat.ID, "message_id": msg.ID})
	f.send(b, map[string]any{"type": "typing", "chat_id": chat.ID})
	f.wait(a, "typing")
	f.send(b, map[string]any{"type": "read", "chat_id": chat.ID, "seq": msg.Seq})
	f.wait(a, "read")
	s.MustDo(t, 202, "POST", fmt.Sprintf("/api/v1/chats/%d/ask", chat.ID), ben.AccessToken, map[string]any{"text": "status?"}, nil)
	f.wait(a, "stream")
	f.send(a, map[string]any{"type": "resume", "chats": map[string]int64{fmt.Sprint(chat.ID): 0}})
	f.send(a, map[string]any{"type": "delete", "ref": "d1", "chat_id": chat.ID, "message_id": msg.ID})
	f.wait(b, "message_deleted")
	f.send(a, map[string]any{"type": "send", "ref": "bad", "chat_id": 999999, "client_id": "7f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": "x"})
	f.wait(a, "error")

	s.MustDo(t, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/members", chat.ID), ann.AccessToken, map[string]any{"user_ids": []int64{cid.User.ID}}, nil)
	f.wait(a, "member_joined")
	s.MustDo(t, 204, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", chat.ID, ben.User.ID), ann.AccessToken, nil, nil)
	f.wait(a, "member_left")
	f.wait(b, "chat_left")
	s.CreateChat(t, ann, "group", "second", ben.User.ID)
	f.wait(b, "chat_joined")
	for _, e := range append(a.Drain(), b.Drain()...) {
		f.check(e)
	}

	for typ := range eventTypes(t) {
		if !f.seen[typ] && typ != "resync" {
			t.Errorf("the scenario never met a %q event: extend it", typ)
		}
	}
}
