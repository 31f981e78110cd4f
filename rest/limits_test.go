package rest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// loginFrom logs in through a balancer at 127.0.0.1 that forwards for xff ("" for none).
func loginFrom(t *testing.T, s *ft.Server, xff, email, password string) (int, http.Header) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusTooManyRequests && errCode(t, raw) != fechatter.ERateLimited {
		t.Fatalf("429 without the rate_limited envelope: %s", raw)
	}
	return resp.StatusCode, resp.Header
}

const rightPassword = "correct horse battery" // fechattertest's Signup password

// Failed logins lock out the (account, address) pair only: the victim logs in from elsewhere,
// unknown accounts are treated the same, the lock eases with time and a success clears it.
func TestLoginLockoutPerAccountAndAddress(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.TrustedProxies = []string{"127.0.0.1"}
		c.LoginFailures, c.LoginWindow = 3, 3*time.Second // one more attempt every second
	}})
	victim := email("victim")
	s.Signup(t, victim, "acme")
	const attacker, owner = "203.0.113.66", "198.51.100.5"

	for _, acct := range []string{victim, email("nobody")} { // registered or not: the same
		for i := 0; i < 3; i++ {
			if code, _ := loginFrom(t, s, attacker, acct, "wrong password"); code != http.StatusUnauthorized {
				t.Fatalf("%s: bad attempt %d: %d, want 401", acct, i+1, code)
			}
		}
		code, h := loginFrom(t, s, attacker, acct, "wrong password")
		if code != http.StatusTooManyRequests {
			t.Fatalf("%s: 4th bad attempt: %d, want 429", acct, code)
		}
		if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 1 || secs > 3 {
			t.Fatalf("%s: Retry-After %q, want 1..3 seconds", acct, h.Get("Retry-After"))
		}
	}
	if code, _ := loginFrom(t, s, attacker, victim, rightPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the right password from the locked-out address: %d, want 429 (no password oracle)", code)
	}
	if code, _ := loginFrom(t, s, owner, victim, rightPassword); code != http.StatusOK {
		t.Fatalf("the owner from another address: %d, want 200", code)
	}

	// The lock eases: within the window the attacker's address may try again.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := loginFrom(t, s, attacker, victim, rightPassword)
		if code == http.StatusOK {
			break
		}
		if code != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("waiting for the lock to ease: %d", code)
		}
		time.Sleep(100 * time.Millisecond) // polling interval
	}
	// That success cleared the pair: three fresh failures before the next 429.
	for i := 0; i < 3; i++ {
		if code, _ := loginFrom(t, s, attacker, victim, "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("bad attempt %d after a success: %d, want 401", i+1, code)
		}
	}
	if code, _ := loginFrom(t, s, attacker, victim, "wrong password"); code != http.StatusTooManyRequests {
		t.Fatalf("4th bad attempt after a success: %d, want 429", code)
	}
}

// A guesser spread over many addresses meets the per-account cap; other accounts do not.
func TestLoginAccountCapAcrossAddresses(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) {
		c.TrustedProxies = []string{"127.0.0.1"}
		c.LoginFailures, c.LoginAccountAttempts = 10, 4
	}})
	victim, other := email("victim"), email("other")
	s.Signup(t, victim, "acme")
	s.Signup(t, other, "acme")
	for i := 0; i < 4; i++ {
		if code, _ := loginFrom(t, s, fmt.Sprintf("203.0.113.%d", i), victim, "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, code)
		}
	}
	if code, _ := loginFrom(t, s, "203.0.113.200", victim, rightPassword); code != http.StatusTooManyRequests {
		t.Fatalf("5th attempt on the account from a 5th address: %d, want 429", code)
	}
	if code, _ := loginFrom(t, s, "203.0.113.200", other, rightPassword); code != http.StatusOK {
		t.Fatalf("another account: %d, want 200", code)
	}
}

// REST writes are limited per user with 429 and Retry-After; reads, other users and sends
// (limited by the hub's send limit, off here) are not charged.
func TestRESTWritesAreLimitedPerUser(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.WritesPerMinute = 3 }})
	s.Signup(t, email("boss"), "acme") // invites the other two: its writes, not theirs
	a := s.Signup(t, email("ann"), "acme")
	b := s.Signup(t, email("ben"), "acme")
	var chat fechatter.Chat
	for i := 0; i < 3; i++ {
		s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", a.AccessToken, map[string]any{"kind": "channel", "name": fmt.Sprint("c", i)}, &chat)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "PATCH", fmt.Sprintf("%s/api/v1/chats/%d", s.URL, chat.ID), bytes.NewReader([]byte(`{"name":"renamed"}`)))
	req.Header.Set("Authorization", "Bearer "+a.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || errCode(t, raw) != fechatter.ERateLimited || secs < 1 || secs > 20 {
		t.Fatalf("4th write in a minute: %d %s Retry-After %q; want 429 rate_limited, 1..20 s", resp.StatusCode, raw, resp.Header.Get("Retry-After"))
	}
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/chats", a.AccessToken, nil, nil)
	s.MustDo(t, http.StatusCreated, "POST", "/api/v1/chats", b.AccessToken, map[string]any{"kind": "channel", "name": "bens"}, nil)
	for i := 0; i < 5; i++ {
		s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), a.AccessToken,
			map[string]any{"client_id": fmt.Sprintf("7b9e2a9c-6a53-4d0e-9d7c-2f1f0e3b4a%02d", i), "text": "still sending"}, nil)
	}
}
