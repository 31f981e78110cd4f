package fechatter_test

import (
	"strings"
	"testing"

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
