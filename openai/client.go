package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config configures a Client. URL and Model are required.
type Config struct {
	// URL is the API base, to which /chat/completions is appended: https://api.openai.com/v1,
	// http://localhost:11434/v1 (Ollama), http://localhost:8080/v1 (llama.cpp, vLLM), or an
	// Azure deployment https://R.openai.azure.com/openai/deployments/D?api-version=2024-10-21
	// (its query is kept; Azure gets the key as api-key instead of a bearer token).
	URL   string
	Key   string // empty: no authorization header (local servers)
	Model string

	HTTPClient *http.Client  // default: a client without an overall timeout (streams are long)
	Logger     *slog.Logger  // default: discard
	MaxRetries int           // retries of a request that failed before streaming (default 3; -1: none)
	Backoff    time.Duration // first backoff, doubled per retry with jitter (default 500ms)
	MaxBackoff time.Duration // largest wait between tries, Retry-After included (default 20s)
	// FirstByte bounds the wait for the response headers of one try; Idle the wait for each
	// next chunk of a stream (defaults 30s and 30s). The caller's context bounds the whole.
	FirstByte time.Duration
	Idle      time.Duration
}

// Client calls one OpenAI-compatible endpoint.
type Client struct {
	cfg      Config
	endpoint string
	azure    bool
	log      *slog.Logger
}

// New returns a client (an error for a URL that does not parse or a missing model).
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai: URL %q must be an http(s) URL", cfg.URL)
	}
	if cfg.Model == "" {
		return nil, errors.New("openai: a model is required")
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/chat/completions"
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 20 * time.Second
	}
	if cfg.FirstByte <= 0 {
		cfg.FirstByte = 30 * time.Second
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Second
	}
	return &Client{cfg: cfg, endpoint: u.String(), azure: strings.HasSuffix(u.Hostname(), ".openai.azure.com"), log: cfg.Logger}, nil
}

// Model is the model the client asks for.
func (c *Client) Model() string { return c.cfg.Model }

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"` // system, user, assistant
	Content string `json:"content"`
}

// Request is what to complete.
type Request struct {
	Messages    []Message
	MaxTokens   int      // 0: the server's default
	Temperature *float64 // nil: the server's default
}

// Usage is the token count the server reported (or, when it reports none, the chunks seen).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Result is a finished completion.
type Result struct {
	Text         string
	FinishReason string // stop, length, ... ("" when the server sent none)
	Usage        Usage
	Estimated    bool // Usage.CompletionTokens counts chunks: the server reported no usage
	Retries      int  // tries that failed before this one streamed
}

// Error is an error the API answered with (an HTTP status and its error object, or an error
// object in the stream).
type Error struct {
	Status     int    // 0 for an error inside the stream
	Type       string // the error object's type or code
	Message    string
	RetryAfter time.Duration // from Retry-After, when given
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("openai: stream error: %s (%s)", e.Message, e.Type)
	}
	return fmt.Sprintf("openai: HTTP %d: %s (%s)", e.Status, e.Message, e.Type)
}

// Temporary reports whether a new try may succeed: 408, 409, 429 and 5xx.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusRequestTimeout || e.Status == http.StatusConflict ||
		e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// ErrTruncated: the stream ended without data: [DONE] and without a finish reason.
var ErrTruncated = errors.New("openai: stream ended before [DONE]")

// ErrIdle: no chunk arrived within Config.Idle (or no headers within FirstByte).
var ErrIdle = errors.New("openai: the server went silent")

type wireRequest struct {
	Model         string    `json:"model"`
	Messages      []Message `json:"messages"`
	Stream        bool      `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	MaxTokens   int      `json:"max_tokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
}

// Stream asks for a completion and calls onDelta with each piece of text as it arrives, in
// order. An error from onDelta stops the stream and is returned. A try that fails before its
// first chunk (connection refused, 429, 5xx, no headers in time) is retried; once text has
// reached onDelta, a failure is final: the caller keeps what it got.
func (c *Client) Stream(ctx context.Context, req Request, onDelta func(string) error) (Result, error) {
	wr := wireRequest{Model: c.cfg.Model, Messages: req.Messages, Stream: true, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	wr.StreamOptions.IncludeUsage = true
	body, err := json.Marshal(wr)
	if err != nil {
		return Result{}, fmt.Errorf("openai: encode request: %w", err)
	}
	var res Result
	for try := 0; ; try++ {
		started := false
		res, err = c.try(ctx, body, func(s string) error { started = true; return onDelta(s) })
		res.Retries = try
		if err == nil || started || ctx.Err() != nil || try >= c.cfg.MaxRetries || !retryable(err) {
			return res, err
		}
		wait := c.backoff(try, err)
		c.log.Warn("openai: retrying", "try", try+1, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, ctx.Err()
		case <-t.C:
		}
	}
}

func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Status != 0 && e.Temporary()
	}
	return !errors.Is(err, context.Canceled) // connection errors, ErrIdle before the first byte
}

// backoff is the wait before try+1: Retry-After when the server said, else exponential with
// full jitter; at most MaxBackoff.
func (c *Client) backoff(try int, err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return min(e.RetryAfter, c.cfg.MaxBackoff)
	}
	d := c.cfg.Backoff << try
	d = d/2 + rand.N(d/2+1)
	return min(d, c.cfg.MaxBackoff)
}

// try runs one request. Its context is cancelled by a watchdog when headers or the next
// chunk take too long.
func (c *Client) try(ctx context.Context, body []byte, onDelta func(string) error) (Result, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := newWatchdog(c.cfg.FirstByte, func() { cancel(ErrIdle) })
	defer wd.stop()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("openai: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream")
	if c.cfg.Key != "" {
		if c.azure {
			hr.Header.Set("api-key", c.cfg.Key)
		} else {
			hr.Header.Set("Authorization", "Bearer "+c.cfg.Key)
		}
	}
	resp, err := c.cfg.HTTPClient.Do(hr)
	if err != nil {
		return Result{}, cause(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return Result{}, httpError(resp)
	}
	wd.reset(c.cfg.Idle)
	res, err := readStream(resp.Body, wd, onDelta)
	if err != nil {
		return res, cause(ctx, err)
	}
	return res, nil
}

// cause prefers the watchdog's reason (ErrIdle) or the caller's cancellation over the
// transport's wording of it.
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil {
		return c
	}
	return err
}

func httpError(resp *http.Response) error {
	e := &Error{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env struct {
		Error *errorObject `json:"error"`
	}
	if json.Unmarshal(raw, &env) == nil && env.Error != nil {
		e.Message, e.Type = env.Error.Message, env.Error.kind()
	} else if s := strings.TrimSpace(string(raw)); s != "" {
		e.Message = truncate(s, 200)
	}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

type errorObject struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

func (o *errorObject) kind() string {
	if o.Type != "" {
		return o.Type
	}
	return strings.Trim(string(o.Code), `"`)
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
