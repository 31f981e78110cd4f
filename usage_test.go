package fechatter_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func TestTruncateIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77": "203.0.113.0", "::ffff:203.0.113.77": "203.0.113.0",
		"2001:db8:abcd:12:1:2:3:4": "2001:db8:abcd::", "nonsense": "", "": "",
	} {
		if got := fechatter.TruncateIP(in); got != want {
			t.Errorf("TruncateIP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckClientUsage(t *testing.T) {
	ok := fechatter.UsageEvent{Kind: fechatter.UsageNavigation, Page: "chat", Props: map[string]string{"from": "login"}}
	if err := fechatter.CheckClientUsage(0, ok); err != nil {
		t.Fatalf("a navigation: %v", err)
	}
	long := map[string]string{}
	for i := range 9 {
		long[strings.Repeat("k", i+1)] = "v"
	}
	for name, e := range map[string]fechatter.UsageEvent{
		"server kind":  {Kind: fechatter.UsageLogin},
		"unknown kind": {Kind: "mine"},
		"url as page":  {Kind: fechatter.UsageNavigation, Page: "/chats/12?q=secret words"},
		"long page":    {Kind: fechatter.UsageNavigation, Page: strings.Repeat("p", 65)},
		"long code":    {Kind: fechatter.UsageClientError, Code: strings.Repeat("c", 65)},
		"duration":     {Kind: fechatter.UsagePageTiming, DurationMs: -1},
		"many props":   {Kind: fechatter.UsageAppStart, Props: long},
		"long value":   {Kind: fechatter.UsageAppStart, Props: map[string]string{"v": strings.Repeat("x", 129)}},
		"bad key":      {Kind: fechatter.UsageAppStart, Props: map[string]string{"a b": "x"}},
	} {
		err := fechatter.CheckClientUsage(3, e)
		if fechatter.ErrorCode(err) != fechatter.EInvalid || !strings.Contains(fechatter.ErrorMessage(err), "events[3].") {
			t.Errorf("%s: %v, want invalid_input naming events[3]", name, err)
		}
	}
}

func TestFileClass(t *testing.T) {
	for ct, want := range map[string]string{
		"image/png": "image", "video/mp4": "video", "audio/mpeg": "audio", "application/ogg": "audio",
		"text/plain; charset=utf-8": "text", "TEXT/HTML": "text", "application/pdf": "pdf",
		"application/zip": "archive", "application/x-gzip": "archive", "application/octet-stream": "other",
		"": "other", "nonsense": "other",
	} {
		if got := fechatter.FileClass(ct); got != want {
			t.Errorf("FileClass(%q) = %q, want %q", ct, got, want)
		}
	}
}

// A file event carries size and class, never the name or the exact type.
func TestFileUsageCarriesNoName(t *testing.T) {
	f := fechatter.File{ID: 9, WorkspaceID: 2, ChatID: 3, UploaderID: 4, Name: "salaries-2026.pdf", Size: 1234,
		ContentType: "application/pdf", SHA256: strings.Repeat("ab", 32)}
	e := fechatter.FileUsage(fechatter.UsageFileDownloaded, f, 5)
	want := fechatter.UsageEvent{Kind: fechatter.UsageFileDownloaded, WorkspaceID: 2, UserID: 5, ChatID: 3, Size: 1234, Code: "pdf"}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("FileUsage = %+v, want %+v", e, want)
	}
	raw, _ := json.Marshal(e)
	for _, secret := range []string{"salaries", "application/pdf", f.SHA256} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("a file event carries %q: %s", secret, raw)
		}
	}
}

func TestBotResponseUsage(t *testing.T) {
	e := fechatter.BotResponse{WorkspaceID: 1, UserID: 2, ChatID: 3, Trigger: "mention", Latency: 1500 * time.Microsecond,
		TokensIn: 812, TokensOut: 96, Outcome: fechatter.BotOK}.Usage()
	want := fechatter.UsageEvent{Kind: fechatter.UsageBotResponse, WorkspaceID: 1, UserID: 2, ChatID: 3, Code: "ok",
		Page: "mention", DurationMs: 1.5, Size: 812, Count: 96}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("Usage = %+v, want %+v", e, want)
	}
	if !slices.Contains(fechatter.ServerUsageKinds, e.Kind) {
		t.Fatal("bot_response is not in the server catalogue")
	}
}
