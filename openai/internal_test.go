package openai

import (
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "3": 3 * time.Second, "0.5": 500 * time.Millisecond, "soon": 0, "-1": 0,
		"Tue, 01 Dec 2026 12:00:10 GMT": 10 * time.Second, "Tue, 01 Dec 2026 11:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(v, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestEndpointKeepsQueryAndAzureKey(t *testing.T) {
	c, err := New(Config{URL: "https://r.openai.azure.com/openai/deployments/d/?api-version=2024-10-21", Model: "gpt"})
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21" || !c.azure {
		t.Fatalf("endpoint %q azure=%v", c.endpoint, c.azure)
	}
}

func TestBackoffCapped(t *testing.T) {
	c, _ := New(Config{URL: "http://x/v1", Model: "m", Backoff: time.Second, MaxBackoff: 3 * time.Second})
	for try := range 6 {
		if d := c.backoff(try, nil); d <= 0 || d > 3*time.Second {
			t.Fatalf("backoff(%d) = %v", try, d)
		}
	}
	if d := c.backoff(0, &Error{Status: 429, RetryAfter: time.Minute}); d != 3*time.Second {
		t.Fatalf("Retry-After of a minute waited %v, want the cap", d)
	}
}
