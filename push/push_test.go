package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/push"
	"github.com/prometheus/client_golang/prometheus"
)

const secret = "0123456789abcdef-test-secret"

// receiver is a push proxy stand-in: it verifies every request's signature as the docs tell
// a receiver to, records it, and answers with the next status of its script (200 after it).
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	got    []request
	script []int
	hang   int // the first hang requests wait until the client gives up
}

type request struct {
	delivery string
	body     []byte
	notice   push.Notice
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{t: t, script: script}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := push.Verify([]byte(secret), req.Header.Get(push.HeaderSignature), body, time.Now(), push.DefaultTolerance); err != nil {
		r.t.Errorf("receiver: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "application/json" {
		r.t.Errorf("receiver: content type %q", ct)
	}
	var n push.Notice
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&n); err != nil {
		r.t.Errorf("receiver: body %s: %v", body, err)
	}
	r.mu.Lock()
	r.got = append(r.got, request{delivery: req.Header.Get(push.HeaderDelivery), body: body, notice: n})
	status, hang := http.StatusOK, false
	if len(r.script) > 0 {
		status, r.script = r.script[0], r.script[1:]
	}
	if r.hang > 0 {
		r.hang--
		hang = true
	}
	r.mu.Unlock()
	if hang {
		<-req.Context().Done()
		return
	}
	w.WriteHeader(status)
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

// fakeStore and fakePresence are hand-written fakes of the hook's two small interfaces.
type fakeStore struct {
	chats map[int64]fechatter.Chat
	prefs map[int64]fechatter.Preferences
}

func (s fakeStore) Chat(_ context.Context, id int64) (fechatter.Chat, error) {
	c, ok := s.chats[id]
	if !ok {
		return c, fechatter.Errorf(fechatter.ENotFound, "no chat")
	}
	return c, nil
}

func (s fakeStore) Preferences(_ context.Context, uid int64) (fechatter.Preferences, error) {
	if p, ok := s.prefs[uid]; ok {
		return p, nil
	}
	return fechatter.DefaultPreferences(), nil
}

type fakePresence map[int64]bool

func (p fakePresence) Online(_ context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = p[id]
	}
	return out, nil
}

const (
	channelID = 10
	directID  = 20
)

func store() fakeStore {
	return fakeStore{
		chats: map[int64]fechatter.Chat{
			channelID: {ID: channelID, WorkspaceID: 7, Kind: fechatter.ChatChannel, MemberIDs: []int64{1, 2, 3, 4}},
			directID:  {ID: directID, WorkspaceID: 7, Kind: fechatter.ChatDirect, MemberIDs: []int64{1, 2}},
		},
		prefs: map[int64]fechatter.Preferences{},
	}
}

func start(t *testing.T, url string, st push.Store, pr push.Presence, tune func(*push.Config)) (*push.Hook, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	cfg := push.Config{
		URL: url, Secret: secret, Store: st, Presence: pr, Metrics: push.NewMetrics(reg),
		Timeout: 2 * time.Second, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	}
	if tune != nil {
		tune(&cfg)
	}
	h, err := push.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Start()
	t.Cleanup(h.Close)
	return h, reg
}

func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && (len(m.GetLabel()) == 0 || m.GetLabel()[0].GetValue() != label) {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

func waitFor(t *testing.T, reg *prometheus.Registry, name, label string, want float64) {
	t.Helper()
	fechattertest.Eventually(t, 5*time.Second, func() string {
		if got := metric(t, reg, name, label); got != want {
			return name + "{" + label + "} is not yet the expected value"
		}
		return ""
	})
}

const text = "the launch code is <@2> swordfish-42"

func message(chatID int64, mentions ...int64) fechatter.Message {
	return fechatter.Message{ID: 99, ChatID: chatID, Seq: 5, SenderID: 1, Text: text,
		CreatedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Mentions: mentions}
}

// A mention of an offline user reaches the receiver signed, with IDs only: the body holds
// no part of the message text, and the signature verifies (the receiver checks it).
func TestNoticeIsSignedAndCarriesNoText(t *testing.T) {
	r := newReceiver(t)
	h, reg := start(t, r.srv.URL, store(), fakePresence{}, nil)
	h.Message(message(channelID, 2))
	waitFor(t, reg, "fechatter_push_notices_total", "sent", 1)
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	want := push.Notice{ID: "m99.u2", Kind: push.KindMention, WorkspaceID: 7, ChatID: channelID, MessageID: 99,
		Seq: 5, UserID: 2, SenderID: 1, CreatedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	if got[0].notice != want {
		t.Errorf("notice %+v, want %+v", got[0].notice, want)
	}
	if got[0].delivery != want.ID {
		t.Errorf("delivery header %q, want %q", got[0].delivery, want.ID)
	}
	for _, part := range []string{"swordfish", "launch", "text", "<@2>"} {
		if strings.Contains(string(got[0].body), part) {
			t.Errorf("body %s contains %q", got[0].body, part)
		}
	}
}

// Who gets a notice: the mentioned and the other member of a DM, never the sender, not
// someone online, not someone whose preferences say no (the one rule, Preferences.Notifies).
func TestRecipients(t *testing.T) {
	r := newReceiver(t)
	st := store()
	future := time.Now().Add(time.Hour)
	st.prefs[3] = fechatter.Preferences{Notify: fechatter.NotifyNothing}
	st.prefs[4] = fechatter.Preferences{Notify: fechatter.NotifyMentions, Chats: []fechatter.ChatPreference{{ChatID: channelID, Muted: true}}}
	st.prefs[5] = fechatter.Preferences{Notify: fechatter.NotifyMentions, DNDUntil: &future}
	h, reg := start(t, r.srv.URL, st, fakePresence{6: true}, nil)

	h.Message(message(channelID, 1, 3, 4, 5, 6)) // sender, nothing, muted, dnd, online: none
	waitFor(t, reg, "fechatter_push_skipped_total", "preferences", 3)
	waitFor(t, reg, "fechatter_push_skipped_total", "online", 1)
	h.Message(message(channelID)) // no mention in a channel: none
	h.Message(message(directID))  // a DM: the other member, as dm
	m := message(directID, 2)     // a DM mentioning the other: one notice, as mention
	m.ID = 100
	h.Message(m)
	waitFor(t, reg, "fechatter_push_notices_total", "sent", 2)
	// Notices go out from several workers, so in any order.
	kinds := map[string]string{}
	got := r.requests()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2: %+v", len(got), got)
	}
	for _, q := range got {
		if q.notice.UserID != 2 {
			t.Fatalf("a notice to user %d: %+v", q.notice.UserID, q.notice)
		}
		kinds[q.notice.ID] = q.notice.Kind
	}
	if len(kinds) != 2 || kinds["m99.u2"] != push.KindDM || kinds["m100.u2"] != push.KindMention {
		t.Fatalf("notices %v, want m99.u2 as dm and m100.u2 as mention", kinds)
	}
}

// 5xx answers and a timeout are retried with the same delivery id and a fresh valid
// signature until the receiver takes the notice.
func TestRetriesFailuresAndTimeouts(t *testing.T) {
	r := newReceiver(t, http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusTooManyRequests)
	r.hang = 1 // the first request times out
	h, reg := start(t, r.srv.URL, store(), fakePresence{}, func(c *push.Config) { c.Timeout = 200 * time.Millisecond })
	h.Message(message(channelID, 2))
	waitFor(t, reg, "fechatter_push_notices_total", "sent", 1)
	got := r.requests()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4 (timeout, 500, 429, 200)", len(got))
	}
	for _, g := range got {
		if g.delivery != "m99.u2" {
			t.Errorf("delivery %q on a retry", g.delivery)
		}
	}
	if n := metric(t, reg, "fechatter_push_retries_total", ""); n != 3 {
		t.Errorf("retries %v, want 3", n)
	}
}

// A 4xx is final; a receiver that keeps failing is given up on after MaxAttempts.
func TestRejectedAndGivenUp(t *testing.T) {
	bad := newReceiver(t, http.StatusBadRequest)
	h, reg := start(t, bad.srv.URL, store(), fakePresence{}, nil)
	h.Message(message(channelID, 2))
	waitFor(t, reg, "fechatter_push_notices_total", "rejected", 1)
	if n := len(bad.requests()); n != 1 {
		t.Errorf("a 400 was tried %d times", n)
	}

	down := newReceiver(t, 500, 500, 500, 500)
	h2, reg2 := start(t, down.srv.URL, store(), fakePresence{}, func(c *push.Config) { c.MaxAttempts = 3 })
	h2.Message(message(channelID, 2))
	waitFor(t, reg2, "fechatter_push_notices_total", "failed", 1)
	if n := len(down.requests()); n != 3 {
		t.Errorf("%d tries, want MaxAttempts=3", n)
	}
}

// Message never blocks the send path: past the queue's bound, notices are dropped and
// counted. The receiver hangs so the single worker holds one message and the queue fills.
func TestFullQueueDropsWithoutBlocking(t *testing.T) {
	r := newReceiver(t)
	r.hang = 1 << 30
	h, reg := start(t, r.srv.URL, store(), fakePresence{}, func(c *push.Config) { c.QueueLen, c.Workers = 2, 1 })
	done := make(chan struct{})
	go func() {
		for range 50 {
			h.Message(message(channelID, 2))
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Message blocked")
	}
	if n := metric(t, reg, "fechatter_push_notices_total", "dropped"); n < 47 {
		t.Errorf("dropped %v of 50 with room for 3", n)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"m1.u2"}`)
	now := time.Now()
	good := push.Sign([]byte(secret), now, body)
	if err := push.Verify([]byte(secret), good, body, now, time.Minute); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	cases := []struct {
		name   string
		header string
		body   []byte
		secret string
		want   error
	}{
		{"tampered body", good, []byte(`{"id":"m1.u3"}`), secret, push.ErrBadSignature},
		{"other secret", good, body, "another-secret-of-16+", push.ErrBadSignature},
		{"replayed later", push.Sign([]byte(secret), now.Add(-10*time.Minute), body), body, secret, push.ErrStale},
		{"no signature", "t=1", body, secret, push.ErrMalformed},
		{"garbage", "v1=zz,t=x", body, secret, push.ErrMalformed},
	}
	for _, c := range cases {
		if err := push.Verify([]byte(c.secret), c.header, c.body, now, time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, c := range []push.Config{
		{URL: "ftp://x", Secret: secret, Store: store(), Presence: fakePresence{}},
		{URL: "http://x", Secret: "short", Store: store(), Presence: fakePresence{}},
		{URL: "http://x", Secret: secret},
	} {
		if _, err := push.New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
