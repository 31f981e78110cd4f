package node

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/fechatter/fechatter/assistant"
	"github.com/fechatter/fechatter/openai"
	"github.com/fechatter/fechatter/search"
)

// AssistantConfig turns the assistant on: any OpenAI-compatible Chat Completions endpoint.
// Off when URL is empty.
type AssistantConfig struct {
	URL   string // API base, e.g. https://api.openai.com/v1 (FECHATTER_AI_URL)
	Key   string // bearer token (api-key for Azure); empty for local servers (FECHATTER_AI_KEY)
	Model string // e.g. gpt-4o-mini, llama3.1 (FECHATTER_AI_MODEL)

	UserQuota      int           // answers per user per UTC day (default 50; <0: none)
	WorkspaceQuota int           // answers per workspace per UTC day (default 1000; <0: none)
	ContextTokens  int           // the model's context window in tokens (default 8192)
	MaxTokens      int           // longest answer in tokens (default 1024)
	AnswerTimeout  time.Duration // longest answer (default 2m)
	StreamInterval time.Duration // least time between stream events of an answer (default 150ms)
	// Tuning for tests.
	SweepInterval time.Duration
	SweepGrace    time.Duration
	FirstByte     time.Duration // the model's headers must arrive within it (default 30s)
	Idle          time.Duration // and each next chunk (default 30s)
}

// openAssistant starts the assistant when configured; nil otherwise.
func (n *Node) openAssistant(searcher *search.Service) (*assistant.Service, error) {
	c := n.cfg.Assistant
	if c.URL == "" {
		return nil, nil
	}
	model, err := openai.New(openai.Config{URL: c.URL, Key: c.Key, Model: c.Model, Logger: n.log,
		FirstByte: c.FirstByte, Idle: c.Idle, HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}})
	if err != nil {
		return nil, fmt.Errorf("assistant: %w", err)
	}
	cfg := assistant.Config{
		Store: n.Store, Hub: n.Hub, Model: model, Logger: n.log, Registry: n.registry,
		UserQuota: c.UserQuota, WorkspaceQuota: c.WorkspaceQuota, ContextTokens: c.ContextTokens, MaxTokens: c.MaxTokens,
		AnswerTimeout: c.AnswerTimeout, StreamInterval: c.StreamInterval, SweepInterval: c.SweepInterval, SweepGrace: c.SweepGrace,
	}
	if searcher != nil {
		cfg.Searcher = searcher
	}
	if n.usage != nil {
		cfg.Usage = n.usage
	}
	svc := assistant.New(cfg)
	n.Hub.OnMessage(svc.Observe)
	svc.Start()
	n.log.Info("assistant: on", "url", c.URL, "model", c.Model)
	return svc, nil
}

// closeAssistant ends the answers streaming here as failed (stored) before the hub stops.
func (n *Node) closeAssistant(ctx context.Context) error {
	if n.assistant == nil {
		return nil
	}
	n.Hub.OnMessage(nil)
	return n.assistant.Close(ctx)
}
