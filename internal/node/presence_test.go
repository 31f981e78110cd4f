package node_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/poll"
)

// readyz returns /readyz's status and body.
func readyz(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	status, body := get(t, url+"/readyz")
	var checks map[string]any
	if err := json.Unmarshal([]byte(body), &checks); err != nil {
		t.Fatalf("/readyz: %v in %q", err, body)
	}
	return status, checks
}

// A node whose Redis never answers keeps serving (200) and says that presence is down to its
// own view, on /readyz and as fechatter_presence_degraded; an embedded node's presence is ok.
func TestReadyzAndAGaugeSayPresenceIsDegraded(t *testing.T) {
	plain := ft.Start(t, ft.Options{})
	if status, checks := readyz(t, plain.URL); status != http.StatusOK || checks["presence"] != "ok" {
		t.Fatalf("embedded node: /readyz %d %v, want 200 with presence ok", status, checks)
	}
	if _, body := get(t, plain.URL+"/metrics"); !strings.Contains(body, "fechatter_presence_degraded 0") {
		t.Fatal("embedded node: fechatter_presence_degraded is not 0")
	}

	// a Redis that accepts connections and never answers: every call times out
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	s := ft.Start(t, ft.Options{RedisURL: "redis://" + silent.Addr().String()})
	poll.CheckFor(t, 30*time.Second, "/readyz to report presence degraded", func() bool {
		status, checks := readyz(t, s.URL)
		return status == http.StatusOK && checks["presence"] == "degraded"
	})
	if _, body := get(t, s.URL+"/metrics"); !strings.Contains(body, "fechatter_presence_degraded 1") {
		t.Fatal("fechatter_presence_degraded is not 1 while presence is degraded")
	}
}
