package hub_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/push"
)

// pushSink is a push proxy stand-in that checks each request's signature.
type pushSink struct {
	mu     sync.Mutex
	bodies []string
	bad    int
}

func (s *pushSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := push.Verify([]byte(pushSecret), r.Header.Get(push.HeaderSignature), body, time.Now(), push.DefaultTolerance); err != nil {
		s.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.bodies = append(s.bodies, string(body))
}

func (s *pushSink) got() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...), s.bad
}

const pushSecret = "hub-test-push-secret-0123456789"

// metricValue reads one series from a node's /metrics ("" when absent).
func metricValue(t *testing.T, s *ft.Server, series string) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// Two nodes share PostgreSQL, the external NATS and Redis presence. A DM to a user with no
// socket anywhere is pushed once, by the node that committed it, without its text; once the
// user holds a socket on the other node, nothing is pushed.
func TestPushHookOnceFromTheCommittingNode(t *testing.T) {
	sink := &pushSink{}
	recv := httptest.NewServer(sink)
	defer recv.Close()
	redisURL, redisPrefix := ft.SharedRedis(t)
	db := ft.CreateDatabase(t)
	secret, prefix := ft.RandomSecret(), ft.UniquePrefix()
	tune := func(c *node.Config) { c.PushURL, c.PushSecret, c.RedisPrefix = recv.URL, pushSecret, redisPrefix }
	opts := ft.Options{DatabaseURL: db, NATSURL: ft.NATSURL(), NATSPrefix: prefix, JWTSecret: secret, RedisURL: redisURL, Tune: tune}
	n1, n2 := ft.Start(t, opts), ft.Start(t, opts)
	ws := fmt.Sprintf("push-%d", seq.Add(1))
	alice := n1.Signup(t, email("alice"), ws)
	bob := n1.Signup(t, email("bob"), ws)
	dm := n1.CreateChat(t, alice, fechatter.ChatDirect, "", bob.User.ID)
	sent := `fechatter_push_notices_total{result="sent"}`
	online := `fechatter_push_skipped_total{reason="online"}`

	// Bob is offline: alice's DM through node 1 is pushed by node 1.
	a := n1.Dial(t, alice.AccessToken)
	a.Ready()
	a.Send(sendFrame(dm.ID, "the vault code is 4711"))
	a.WaitFor(wait, ft.Type("ack"))
	ft.CheckFor(t, wait, "node 1 pushed the DM", func() bool { return metricValue(t, n1, sent) == "1" })

	// Bob connects to node 2: node 1 sees him online (Redis) and pushes nothing.
	b := n2.Dial(t, bob.AccessToken)
	b.Ready()
	a.Send(sendFrame(dm.ID, "are you there"))
	b.WaitFor(wait, isMessage(dm.ID))
	ft.CheckFor(t, wait, "node 1 skipped bob as online", func() bool { return metricValue(t, n1, online) == "1" })

	// Bob leaves; a REST send through node 2 is pushed by node 2, and only by it.
	b.C.CloseNow()
	ft.CheckFor(t, wait, "bob offline", func() bool {
		var on struct{ Online []int64 }
		n1.MustDo(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/chats/%d/presence", dm.ID), alice.AccessToken, nil, &on)
		return !slices.Contains(on.Online, bob.User.ID)
	})
	n2.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", dm.ID), alice.AccessToken,
		map[string]any{"client_id": newUUID(), "text": "call me <@" + fmt.Sprint(bob.User.ID) + ">"}, nil)
	ft.CheckFor(t, wait, "node 2 pushed the mention", func() bool { return metricValue(t, n2, sent) == "1" })

	bodies, bad := sink.got()
	if bad != 0 || len(bodies) != 2 {
		t.Fatalf("receiver got %d good and %d badly signed notices, want 2 and 0: %v", len(bodies), bad, bodies)
	}
	if metricValue(t, n1, sent) != "1" {
		t.Errorf("node 1 sent %s notices, want 1", metricValue(t, n1, sent))
	}
	for i, kind := range []string{`"kind":"dm"`, `"kind":"mention"`} {
		if !strings.Contains(bodies[i], kind) || !strings.Contains(bodies[i], fmt.Sprintf(`"user_id":%d`, bob.User.ID)) {
			t.Errorf("notice %d: %s", i, bodies[i])
		}
		for _, leak := range []string{"vault", "4711", "call me", "text"} {
			if strings.Contains(bodies[i], leak) {
				t.Errorf("notice %d holds %q: %s", i, leak, bodies[i])
			}
		}
	}
}
