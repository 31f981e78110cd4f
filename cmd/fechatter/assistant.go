package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"
)

// assistantFlags are the assistant's settings as typed, parsed by parseAssistant.
type assistantFlags struct {
	userQuota, workspaceQuota, contextTokens, maxTokens, timeout, interval, sweep string
}

func (m *Main) assistantFlags(fs *flag.FlagSet) {
	a, c := &m.assistant, &m.Config.Assistant
	fs.StringVar(&c.URL, "ai-url", env("FECHATTER_AI_URL", ""), "OpenAI-compatible API base for the assistant, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama); the assistant is off when empty (FECHATTER_AI_URL)")
	fs.StringVar(&c.Key, "ai-key", env("FECHATTER_AI_KEY", ""), "API key of the assistant's endpoint; prefer the environment variable (FECHATTER_AI_KEY)")
	fs.StringVar(&c.Model, "ai-model", env("FECHATTER_AI_MODEL", ""), "model name, e.g. gpt-4o-mini or llama3.1 (FECHATTER_AI_MODEL)")
	fs.StringVar(&a.userQuota, "ai-user-quota", env("FECHATTER_AI_USER_QUOTA", "50"), "assistant answers per user per UTC day; 0: no limit (FECHATTER_AI_USER_QUOTA)")
	fs.StringVar(&a.workspaceQuota, "ai-workspace-quota", env("FECHATTER_AI_WORKSPACE_QUOTA", "1000"), "assistant answers per workspace per UTC day; 0: no limit (FECHATTER_AI_WORKSPACE_QUOTA)")
	fs.StringVar(&a.contextTokens, "ai-context-tokens", env("FECHATTER_AI_CONTEXT_TOKENS", "8192"), "the model's context window in tokens: prompt and answer together (FECHATTER_AI_CONTEXT_TOKENS)")
	fs.StringVar(&a.maxTokens, "ai-max-tokens", env("FECHATTER_AI_MAX_TOKENS", "1024"), "longest answer in tokens (FECHATTER_AI_MAX_TOKENS)")
	fs.StringVar(&a.timeout, "ai-timeout", env("FECHATTER_AI_TIMEOUT", "2m"), "longest answer, question to stored end; answers left streaming longer by a dead node are marked failed (FECHATTER_AI_TIMEOUT)")
	fs.StringVar(&a.sweep, "ai-sweep-interval", env("FECHATTER_AI_SWEEP_INTERVAL", "30s"), "how often a node looks for answers a dead node left streaming, to mark them failed (FECHATTER_AI_SWEEP_INTERVAL)")
	fs.StringVar(&a.interval, "ai-stream-interval", env("FECHATTER_AI_STREAM_INTERVAL", "150ms"), "least time between two live stream events of an answer (FECHATTER_AI_STREAM_INTERVAL)")
}

func (m *Main) parseAssistant() error {
	a, c := m.assistant, &m.Config.Assistant
	if c.URL != "" && c.Model == "" {
		return fmt.Errorf("assistant: FECHATTER_AI_URL is set but FECHATTER_AI_MODEL is not")
	}
	var err error
	num := func(name, v string, min int) int {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < min {
			err = fmt.Errorf("%s %q: want a whole number of at least %d", name, v, min)
		}
		return n
	}
	dur := func(name, v string) time.Duration {
		d, perr := time.ParseDuration(v)
		if perr != nil || d <= 0 {
			err = fmt.Errorf("%s %q: want a positive duration like 2m", name, v)
		}
		return d
	}
	noLimit := func(n int) int { // 0 on the command line: no limit; in the config: -1
		if n == 0 {
			return -1
		}
		return n
	}
	c.UserQuota = noLimit(num("ai user quota", a.userQuota, 0))
	c.WorkspaceQuota = noLimit(num("ai workspace quota", a.workspaceQuota, 0))
	c.ContextTokens = num("ai context tokens", a.contextTokens, 512)
	c.MaxTokens = num("ai max tokens", a.maxTokens, 16)
	c.AnswerTimeout = dur("ai timeout", a.timeout)
	c.StreamInterval = dur("ai stream interval", a.interval)
	c.SweepInterval = dur("ai sweep interval", a.sweep)
	if err == nil && c.MaxTokens >= c.ContextTokens {
		err = fmt.Errorf("ai max tokens (%d) must be below the context window (%d)", c.MaxTokens, c.ContextTokens)
	}
	return err
}
