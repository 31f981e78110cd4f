package edge

import "testing"

func TestOriginsMatchLikeTheWebSocketHandshake(t *testing.T) {
	o, err := ParseOrigins([]string{" localhost:5173 ", "*.Example.com", "https://app.example.org/", ""})
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Patterns(); len(got) != 3 || got[2] != "https://app.example.org" {
		t.Fatalf("patterns = %q", got)
	}
	tests := []struct {
		origin string
		want   bool
	}{
		{"http://localhost:5173", true},
		{"https://LOCALHOST:5173", true}, // host patterns ignore the scheme
		{"http://localhost:5174", false},
		{"http://localhost", false},
		{"https://chat.example.com", true},
		{"https://a.b.example.com", true}, // path.Match's * crosses dots, as in coder/websocket
		{"https://example.com", false},
		{"https://app.example.org", true},
		{"http://app.example.org", false}, // a full origin pins the scheme
		{"https://app.example.org:8443", false},
		{"null", false},
		{"", false},
		{"not a url", false},
	}
	for _, tt := range tests {
		if got := o.Allowed(tt.origin); got != tt.want {
			t.Errorf("Allowed(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
}

func TestParseOriginsRejectsTypos(t *testing.T) {
	for _, p := range []string{"[", "https://app.example.com/chat", "://x", "https://", "app.example.com/"} {
		if _, err := ParseOrigins([]string{p}); err == nil {
			t.Errorf("ParseOrigins(%q) accepted it", p)
		}
	}
	if o, err := ParseOrigins(nil); err != nil || o.Allowed("http://localhost:5173") {
		t.Fatalf("no patterns must allow no origin: %v", err)
	}
}
