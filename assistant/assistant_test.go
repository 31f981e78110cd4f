package assistant_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/assistant"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/openai/openaitest"
)

const wait = 15 * time.Second

// world is a node with the assistant on, pointed at a stand-in, and a workspace: ann (owner)
// and ben, with a group chat of both and the bot.
type world struct {
	srv   *ft.Server
	model *openaitest.Server
	ann   ft.Account
	ben   ft.Account
	bot   fechatter.User
	group fechatter.Chat
}

func setup(t *testing.T, script func(int, openaitest.Received) openaitest.Reply, tune func(*node.AssistantConfig)) *world {
	t.Helper()
	model := openaitest.New(t, script)
	srv := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.Assistant = node.AssistantConfig{URL: model.URL, Model: "standin-1", StreamInterval: 10 * time.Millisecond, Idle: 5 * time.Second}
		if tune != nil {
			tune(&c.Assistant)
		}
	}})
	w := &world{srv: srv, model: model}
	w.ann = srv.Signup(t, "ann@example.com", "acme")
	w.ben = srv.Signup(t, "ben@example.com", "acme")
	var info assistant.Info
	srv.MustDo(t, http.StatusOK, "GET", "/api/v1/assistant", w.ann.AccessToken, nil, &info)
	if !info.Enabled || info.Bot == nil || !info.Bot.Bot || info.Model != "standin-1" {
		t.Fatalf("GET /assistant = %+v", info)
	}
	w.bot = *info.Bot
	w.group = srv.CreateChat(t, w.ann, fechatter.ChatGroup, "plans", w.ben.User.ID, w.bot.ID)
	return w
}

func (w *world) say(t *testing.T, a ft.Account, chatID int64, text string) fechatter.Message {
	t.Helper()
	var out struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chatID), a.AccessToken,
		map[string]any{"client_id": uuid(), "text": text}, &out)
	return out.Message
}

var uuidN int

func uuid() string { uuidN++; return fmt.Sprintf("6f1c0a52-3b7e-4b1c-9d3e-%012d", uuidN) }

type streamEvent struct {
	Type      string `json:"type"`
	ChatID    int64  `json:"chat_id"`
	MessageID int64  `json:"message_id"`
	Text      string `json:"text"`
}

// TestMentionStreamsLive: a mention starts one streaming message of the bot, seen live by
// another member over WebSocket and by the asker over SSE as growing stream events, then
// completed by one message_edited event; history holds one complete message.
func TestMentionStreamsLive(t *testing.T) {
	answer := "The plan is to ship on Friday after the review."
	w := setup(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: openaitest.Tokens(answer), Delay: 20 * time.Millisecond}
	}, nil)
	ws := w.srv.Dial(t, w.ben.AccessToken)
	ws.Ready()
	sse := w.srv.OpenSSE(t, ft.SSEOptions{Token: w.ann.AccessToken})
	defer sse.Close()
	sse.WaitFor(wait, "ready")

	w.say(t, w.ben, w.group.ID, "we ship friday")
	q := w.say(t, w.ann, w.group.ID, fmt.Sprintf("<@%d> what is the plan?", w.bot.ID))

	start := ws.WaitFor(wait, func(e ft.Event) bool { return e.Type == "message" && e.Message.SenderID == w.bot.ID })
	if start.Message.State != fechatter.StateStreaming || start.Message.AskerID != w.ann.User.ID || start.Message.Text != "" {
		t.Fatalf("answer started as %+v", start.Message)
	}
	var partial []string
	var end ft.Event
	for {
		e := ws.Next(wait)
		if e.Type == "stream" {
			var se streamEvent
			json.Unmarshal(e.Raw, &se)
			if se.MessageID != start.Message.ID || se.ChatID != w.group.ID || !strings.HasPrefix(answer, se.Text) {
				t.Fatalf("stream event %+v is not a prefix of the answer", se)
			}
			partial = append(partial, se.Text)
			continue
		}
		if e.Type == "message_edited" && e.Message.ID == start.Message.ID {
			end = e
			break
		}
	}
	if len(partial) < 2 {
		t.Fatalf("%d stream events before the end; the answer did not stream", len(partial))
	}
	if end.Message.State != fechatter.StateComplete || end.Message.Text != answer || end.Seq != start.Seq+1 {
		t.Fatalf("answer ended as seq %d %+v (started at %d)", end.Seq, end.Message, start.Seq)
	}
	// The asker sees the same over SSE.
	var sawStream bool
	for {
		e := sse.Next(wait)
		if e.Name == "stream" {
			sawStream = true
		}
		if e.Name == "message_edited" {
			break
		}
	}
	if !sawStream {
		t.Fatal("no stream event over SSE")
	}
	hist := w.srv.History(t, w.ben, w.group.ID)
	last := hist[len(hist)-1]
	if len(hist) != 3 || last.ID != start.Message.ID || last.Text != answer || last.State != fechatter.StateComplete {
		t.Fatalf("history = %+v", hist)
	}
	reqs := w.model.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d model requests", len(reqs))
	}
	prompt := reqs[0].Prompt()
	if !strings.Contains(prompt, "what is the plan?") || !strings.Contains(prompt, "we ship friday") ||
		strings.Contains(prompt, fmt.Sprintf("<@%d>", w.bot.ID)) {
		t.Fatalf("prompt lacks the question or the chat, or kept the bot's mention:\n%s", prompt)
	}
	_ = q
}

// TestNothingLeaksIntoPrompt: retrieval searches as the asker and keeps only chats the bot is
// in; a user asking about a chat they are not in gets none of it in the prompt.
func TestNothingLeaksIntoPrompt(t *testing.T) {
	w := setup(t, nil, nil)
	carol := w.srv.Signup(t, "carol@example.com", "acme")
	secret := w.srv.CreateChat(t, w.ann, fechatter.ChatGroup, "secret", w.ben.User.ID, w.bot.ID)
	w.say(t, w.ben, secret.ID, "the launch codeword is plutonium")
	botless := w.srv.CreateChat(t, w.ann, fechatter.ChatGroup, "nobot", w.ben.User.ID, carol.User.ID)
	w.say(t, w.ben, botless.ID, "the plutonium budget is tight")

	ask := func(a ft.Account) string {
		t.Helper()
		dm := w.srv.CreateChat(t, a, fechatter.ChatDirect, "", w.bot.ID)
		before := len(w.model.Requests())
		var out struct{ Message fechatter.Message }
		w.srv.MustDo(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/chats/%d/ask", dm.ID), a.AccessToken,
			map[string]any{"text": "what about plutonium?"}, &out)
		ft.Eventually(t, wait, func() string {
			if len(w.model.Requests()) == before {
				return "the model has not been asked"
			}
			return ""
		})
		waitEnded(t, w, a, dm.ID, out.Message.ID)
		return w.model.Requests()[before].Prompt()
	}
	// Ann is in the secret chat with the bot: retrieval finds it (so the filter below is
	// what keeps it from Carol), but not the chat the bot is not in.
	if p := ask(w.ann); !strings.Contains(p, "launch codeword") || strings.Contains(p, "budget is tight") {
		t.Fatalf("ann's prompt:\n%s", p)
	}
	// Carol is in neither chat with the bot: nothing of either reaches her prompt.
	if p := ask(carol); strings.Contains(p, "plutonium budget") || strings.Contains(p, "launch codeword") {
		t.Fatalf("carol's prompt leaks another chat:\n%s", p)
	}
	// Nor can she ask in a chat she is not in.
	code, body := w.srv.Do(t, "POST", fmt.Sprintf("/api/v1/chats/%d/summary", secret.ID), carol.AccessToken, nil, nil)
	if code != http.StatusNotFound {
		t.Fatalf("summary of a chat carol is not in: %d %s", code, body)
	}
}

// waitEnded polls history until the answer is no longer streaming, and returns it.
func waitEnded(t *testing.T, w *world, a ft.Account, chatID, msgID int64) fechatter.Message {
	t.Helper()
	var got fechatter.Message
	ft.Eventually(t, wait, func() string {
		for _, m := range w.srv.History(t, a, chatID) {
			if m.ID == msgID {
				got = m
				if m.State == fechatter.StateStreaming {
					return "still streaming"
				}
				return ""
			}
		}
		return "answer missing"
	})
	return got
}

// TestQuota: a spent daily quota is a clear 429 with Retry-After, per user and per workspace.
func TestQuota(t *testing.T) {
	w := setup(t, nil, func(c *node.AssistantConfig) { c.UserQuota, c.WorkspaceQuota = 1, 2 })
	path := fmt.Sprintf("/api/v1/chats/%d/ask", w.group.ID)
	var out struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusAccepted, "POST", path, w.ann.AccessToken, map[string]any{"text": "one?"}, &out)
	waitEnded(t, w, w.ann, w.group.ID, out.Message.ID)
	code, body := w.srv.Do(t, "POST", path, w.ann.AccessToken, map[string]any{"text": "two?"}, nil)
	if code != http.StatusTooManyRequests || !strings.Contains(string(body), `"code":"rate_limited"`) || !strings.Contains(string(body), "your daily assistant quota") {
		t.Fatalf("over the user quota: %d %s", code, body)
	}
	w.srv.MustDo(t, http.StatusAccepted, "POST", path, w.ben.AccessToken, map[string]any{"text": "bens?"}, &out)
	waitEnded(t, w, w.ben, w.group.ID, out.Message.ID)
	carol := w.srv.Signup(t, "carol@example.com", "acme")
	w.srv.MustDo(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/chats/%d/members", w.group.ID), w.ann.AccessToken,
		map[string]any{"user_ids": []int64{carol.User.ID}}, nil)
	code, body = w.srv.Do(t, "POST", path, carol.AccessToken, map[string]any{"text": "carols?"}, nil)
	if code != http.StatusTooManyRequests || !strings.Contains(string(body), "workspace's daily assistant quota") {
		t.Fatalf("over the workspace quota: %d %s", code, body)
	}
	if n := len(w.model.Requests()); n != 2 {
		t.Fatalf("the model was asked %d times, want 2", n)
	}
}

// TestCancelByAsker: only the asker (or a chat admin) stops an answer; it keeps its text so
// far, ends canceled, and the model's stream is closed.
func TestCancelByAsker(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	w := setup(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"Thinking ", "hard ", "about ", "it"}, Hold: hold, HoldAfter: 2}
	}, nil)
	ws := w.srv.Dial(t, w.ben.AccessToken)
	ws.Ready()
	var out struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/chats/%d/ask", w.group.ID), w.ben.AccessToken,
		map[string]any{"text": "think?"}, &out)
	ws.WaitFor(wait, func(e ft.Event) bool {
		var se streamEvent
		json.Unmarshal(e.Raw, &se)
		return e.Type == "stream" && se.Text == "Thinking hard "
	})
	path := fmt.Sprintf("/api/v1/messages/%d/cancel", out.Message.ID)
	carol := w.srv.Signup(t, "carol@example.com", "acme")
	if code, _ := w.srv.Do(t, "POST", path, carol.AccessToken, nil, nil); code != http.StatusNotFound {
		t.Fatalf("a stranger's cancel: %d, want 404", code)
	}
	// Ann owns the chat: she may stop anyone's answer; here Ben stops his own.
	var got struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusOK, "POST", path, w.ben.AccessToken, nil, &got)
	if got.Message.State != fechatter.StateCanceled || got.Message.Text != "Thinking hard " {
		t.Fatalf("canceled answer = %+v", got.Message)
	}
	end := ws.WaitFor(wait, func(e ft.Event) bool { return e.Type == "message_edited" && e.Message.ID == out.Message.ID })
	if end.Message.State != fechatter.StateCanceled {
		t.Fatalf("edit event = %+v", end.Message)
	}
	if code, _ := w.srv.Do(t, "POST", path, w.ben.AccessToken, nil, nil); code != http.StatusConflict {
		t.Fatalf("second cancel: %d, want 409", code)
	}
}

// TestModelErrorsEndFailed: a model that fails (after retries) or breaks off mid-stream
// leaves a failed answer with what it had, never a streaming one.
func TestModelErrorsEndFailed(t *testing.T) {
	w := setup(t, func(n int, _ openaitest.Received) openaitest.Reply {
		if n < 4 { // the first ask: 1 try + 3 retries, all 503
			return openaitest.Reply{Status: http.StatusServiceUnavailable}
		}
		return openaitest.Reply{Tokens: []string{"Half ", "an "}, Truncate: true}
	}, nil)
	path := fmt.Sprintf("/api/v1/chats/%d/ask", w.group.ID)
	var out struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusAccepted, "POST", path, w.ann.AccessToken, map[string]any{"text": "up?"}, &out)
	m := waitEnded(t, w, w.ann, w.group.ID, out.Message.ID)
	if m.State != fechatter.StateFailed || !strings.Contains(m.Text, "could not answer") {
		t.Fatalf("after 503s: %+v", m)
	}
	w.srv.MustDo(t, http.StatusAccepted, "POST", path, w.ann.AccessToken, map[string]any{"text": "again?"}, &out)
	m = waitEnded(t, w, w.ann, w.group.ID, out.Message.ID)
	if m.State != fechatter.StateFailed || m.Text != "Half an " {
		t.Fatalf("after a truncated stream: %+v", m)
	}
}

// TestCommandsAndOff: summarize and translate reach the model with their task; a chat
// without the bot is refused; a server without the assistant says it is off.
func TestCommands(t *testing.T) {
	w := setup(t, nil, nil)
	hello := w.say(t, w.ben, w.group.ID, "good morning everyone")
	var out struct{ Message fechatter.Message }
	w.srv.MustDo(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/messages/%d/translate", hello.ID), w.ann.AccessToken,
		map[string]any{"lang": "French"}, &out)
	waitEnded(t, w, w.ann, w.group.ID, out.Message.ID)
	if p := w.model.Requests()[0].Prompt(); !strings.Contains(p, "Translate into French") || !strings.Contains(p, "good morning everyone") {
		t.Fatalf("translate prompt:\n%s", p)
	}
	w.srv.MustDo(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/chats/%d/summary", w.group.ID), w.ann.AccessToken, nil, &out)
	waitEnded(t, w, w.ann, w.group.ID, out.Message.ID)
	if p := w.model.Requests()[1].Prompt(); !strings.Contains(p, "Summarise") || !strings.Contains(p, "good morning everyone") {
		t.Fatalf("summary prompt:\n%s", p)
	}
	nobot := w.srv.CreateChat(t, w.ann, fechatter.ChatGroup, "nobot", w.ben.User.ID)
	code, body := w.srv.Do(t, "POST", fmt.Sprintf("/api/v1/chats/%d/summary", nobot.ID), w.ann.AccessToken, nil, nil)
	if code != http.StatusForbidden {
		t.Fatalf("summary where the bot is not a member: %d %s", code, body)
	}
	code, _ = w.srv.Do(t, "POST", fmt.Sprintf("/api/v1/messages/%d/translate", hello.ID), w.ann.AccessToken, map[string]any{}, nil)
	if code != http.StatusBadRequest {
		t.Fatalf("translate without lang: %d", code)
	}
	// The bot cannot log in, whatever is tried.
	code, _ = w.srv.Do(t, "POST", "/api/v1/auth/login", "", map[string]any{"email": w.bot.Email, "password": ""}, nil)
	if code != http.StatusBadRequest && code != http.StatusUnauthorized {
		t.Fatalf("login as the bot: %d", code)
	}
}

func TestAssistantOff(t *testing.T) {
	srv := ft.Start(t, ft.Options{})
	a := srv.Signup(t, "ann@example.com", "acme")
	var info assistant.Info
	srv.MustDo(t, http.StatusOK, "GET", "/api/v1/assistant", a.AccessToken, nil, &info)
	if info.Enabled || info.Bot != nil {
		t.Fatalf("GET /assistant with no AI configured = %+v", info)
	}
	if code, _ := srv.Do(t, "POST", "/api/v1/chats/1/summary", a.AccessToken, nil, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("summary with the assistant off: %d", code)
	}
}
