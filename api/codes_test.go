package api_test

import (
	"slices"
	"testing"

	"github.com/fechatter/fechatter"
)

// Both documents name the server's error codes as the server spells them: the REST envelope
// every code, the socket's error event every code but the REST-only ones.
func TestErrorCodesMatchTheServer(t *testing.T) {
	enum := func(v any) []string {
		var codes []string
		for _, c := range v.([]any) {
			codes = append(codes, c.(string))
		}
		slices.Sort(codes)
		return codes
	}
	rest := load(t).Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum
	if got, want := enum(rest), fechatter.ErrorCodes(); !slices.Equal(got, want) {
		t.Errorf("openapi Error codes %v, want %v", got, want)
	}
	restOnly := []string{fechatter.EQuota} // file uploads are REST only
	var want []string
	for _, c := range fechatter.ErrorCodes() {
		if !slices.Contains(restOnly, c) {
			want = append(want, c)
		}
	}
	schemas := asyncDoc(t)["components"].(map[string]any)["schemas"].(map[string]any)
	ev := schemas["ErrorEvent"].(map[string]any)["properties"].(map[string]any)["code"].(map[string]any)["enum"]
	if got := enum(ev); !slices.Equal(got, want) {
		t.Errorf("asyncapi ErrorEvent codes %v, want %v", got, want)
	}
}
