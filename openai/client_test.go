package openai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/openai"
	"github.com/fechatter/fechatter/openai/openaitest"
)

func client(t *testing.T, url string, mod func(*openai.Config)) *openai.Client {
	t.Helper()
	cfg := openai.Config{URL: url, Key: "sk-test", Model: "standin-1", Backoff: 10 * time.Millisecond,
		HTTPClient: &http.Client{Transport: &http.Transport{}}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cfg.HTTPClient.CloseIdleConnections)
	return c
}

var question = openai.Request{Messages: []openai.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi?"}}, MaxTokens: 64}

func collect(t *testing.T, c *openai.Client, ctx context.Context) ([]string, openai.Result, error) {
	t.Helper()
	var got []string
	res, err := c.Stream(ctx, question, func(s string) error { got = append(got, s); return nil })
	return got, res, err
}

func TestStreamDeltasInOrder(t *testing.T) {
	toks := openaitest.Tokens("The quick brown fox jumps.")
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply { return openaitest.Reply{Tokens: toks} })
	got, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(toks, "|") || res.Text != "The quick brown fox jumps." {
		t.Fatalf("deltas %q, text %q", got, res.Text)
	}
	if res.FinishReason != "stop" || res.Usage.CompletionTokens != len(toks) || res.Estimated || res.Retries != 0 {
		t.Fatalf("result = %+v", res)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Model != "standin-1" || !r.Stream || !r.StreamOptions.IncludeUsage || r.MaxTokens != 64 || len(r.Messages) != 2 ||
		r.Messages[1].Content != "hi?" || r.Header.Get("Authorization") != "Bearer sk-test" {
		t.Fatalf("request = %+v", r)
	}
}

func TestUsageEstimatedWithoutUsageChunk(t *testing.T) {
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"a", "b", "c"}, NoUsage: true}
	})
	_, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	if err != nil || res.Usage.CompletionTokens != 3 || !res.Estimated {
		t.Fatalf("res %+v, err %v", res, err)
	}
}

func TestRetriesServerErrorsThenStreams(t *testing.T) {
	srv := openaitest.New(t, func(n int, _ openaitest.Received) openaitest.Reply {
		if n < 2 {
			return openaitest.Reply{Status: []int{503, 500}[n]}
		}
		return openaitest.Reply{Tokens: []string{"ok"}}
	})
	_, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	if err != nil || res.Text != "ok" || res.Retries != 2 || len(srv.Requests()) != 3 {
		t.Fatalf("res %+v, err %v, %d requests", res, err, len(srv.Requests()))
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv := openaitest.New(t, func(n int, _ openaitest.Received) openaitest.Reply {
		if n == 0 {
			return openaitest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "1", Message: "slow down"}
		}
		return openaitest.Reply{Tokens: []string{"ok"}}
	})
	start := time.Now()
	_, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	if err != nil || res.Retries != 1 {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, before the server's Retry-After of 1s", d)
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Status: http.StatusTooManyRequests, Message: "quota"}
	})
	_, _, err := collect(t, client(t, srv.URL, func(c *openai.Config) { c.MaxRetries = 2 }), t.Context())
	var e *openai.Error
	if !errors.As(err, &e) || e.Status != 429 || e.Message != "quota" || e.Type != "rate_limit_exceeded" {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Fatalf("%d requests, want 1 + 2 retries", n)
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Status: http.StatusUnauthorized, Message: "bad key"}
	})
	_, _, err := collect(t, client(t, srv.URL, nil), t.Context())
	var e *openai.Error
	if !errors.As(err, &e) || e.Status != 401 || len(srv.Requests()) != 1 {
		t.Fatalf("err = %v after %d requests", err, len(srv.Requests()))
	}
}

func TestNoRetryOnceStreaming(t *testing.T) {
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"half ", "an "}, StreamErr: "model crashed"}
	})
	got, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	var e *openai.Error
	if !errors.As(err, &e) || e.Status != 0 || e.Message != "model crashed" {
		t.Fatalf("err = %v", err)
	}
	if len(got) != 2 || res.Text != "half an " || len(srv.Requests()) != 1 {
		t.Fatalf("deltas %q, text %q, %d requests: a started answer must not be retried", got, res.Text, len(srv.Requests()))
	}
}

func TestTruncatedStream(t *testing.T) {
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"cut "}, Truncate: true}
	})
	_, res, err := collect(t, client(t, srv.URL, nil), t.Context())
	if !errors.Is(err, openai.ErrTruncated) || res.Text != "cut " {
		t.Fatalf("err = %v, text %q", err, res.Text)
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"a ", "b"}, Hold: hold, HoldAfter: 1}
	})
	start := time.Now()
	got, _, err := collect(t, client(t, srv.URL, func(c *openai.Config) { c.Idle = 150 * time.Millisecond }), t.Context())
	if !errors.Is(err, openai.ErrIdle) || len(got) != 1 {
		t.Fatalf("err = %v, deltas %q", err, got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("gave up after %v", d)
	}
}

func TestCancelStopsTheStream(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	srv := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"a ", "b"}, Hold: hold, HoldAfter: 1}
	})
	ctx, cancel := context.WithCancel(t.Context())
	c := client(t, srv.URL, nil)
	_, err := c.Stream(ctx, question, func(string) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	srv := openaitest.Start(nil)
	url := srv.URL
	srv.Close()
	_, _, err := collect(t, client(t, url, func(c *openai.Config) { c.MaxRetries = 1 }), t.Context())
	if err == nil {
		t.Fatal("no error from a closed server")
	}
}

func TestNewChecksConfig(t *testing.T) {
	for _, cfg := range []openai.Config{{URL: "ftp://x", Model: "m"}, {URL: "http://x/v1"}, {URL: "::", Model: "m"}} {
		if _, err := openai.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
