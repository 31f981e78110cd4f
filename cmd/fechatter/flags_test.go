package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

// Rate limits come from the environment, flags win, 0 turns a limit off and a bad value is
// an error naming the variable.
func TestRateLimitFlags(t *testing.T) {
	t.Setenv("FECHATTER_SEND_RATE", "2.5")
	t.Setenv("FECHATTER_WRITES_PER_MINUTE", "0")
	t.Setenv("FECHATTER_LOGIN_WINDOW", "5m")
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"-send-burst", "7"}); err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.SendRate != 2.5 || c.SendBurst != 7 || c.WritesPerMinute != -1 || c.LoginWindow != 5*time.Minute ||
		c.AuthPerMinute != 30 || c.LoginFailures != 10 || c.LoginAccountAttempts != 100 {
		t.Fatalf("config = %+v", c)
	}
	t.Setenv("FECHATTER_AUTH_PER_MINUTE", "lots")
	err := NewMain(io.Discard, io.Discard).ParseFlags(nil)
	if err == nil || !strings.Contains(err.Error(), "FECHATTER_AUTH_PER_MINUTE") {
		t.Fatalf("bad value: %v", err)
	}
}

// The slow-consumer settings come from the environment, flags win, and a bad value is an
// error naming the variable.
func TestSlowConsumerFlags(t *testing.T) {
	c := NewMain(io.Discard, io.Discard)
	if err := c.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if c.Config.WriteTimeout != 10*time.Second || c.Config.SocketSendBuffer != 0 {
		t.Fatalf("defaults: write timeout %v, send buffer %d", c.Config.WriteTimeout, c.Config.SocketSendBuffer)
	}
	t.Setenv("FECHATTER_WRITE_TIMEOUT", "2s")
	t.Setenv("FECHATTER_SOCKET_SEND_BUFFER", "16384")
	m := NewMain(io.Discard, io.Discard)
	if err := m.ParseFlags([]string{"-socket-send-buffer", "65536"}); err != nil {
		t.Fatal(err)
	}
	if m.Config.WriteTimeout != 2*time.Second || m.Config.SocketSendBuffer != 65536 {
		t.Fatalf("write timeout %v, send buffer %d; want 2s (env) and 65536 (flag)", m.Config.WriteTimeout, m.Config.SocketSendBuffer)
	}
	t.Setenv("FECHATTER_WRITE_TIMEOUT", "soon")
	err := NewMain(io.Discard, io.Discard).ParseFlags(nil)
	if err == nil || !strings.Contains(err.Error(), "FECHATTER_WRITE_TIMEOUT") {
		t.Fatalf("bad value: %v", err)
	}
}
