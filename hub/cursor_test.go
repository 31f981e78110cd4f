package hub

import (
	"testing"
)

func TestCursorTokenRoundTrip(t *testing.T) {
	c := &Client{cursors: map[int64]*cursor{}}
	want := map[int64]int64{3: 0, 7: 41, 1 << 40: 1 << 33, 12: 5}
	for id, s := range want {
		c.cursors[id] = &cursor{seq: s}
	}
	got, err := decodeCursorToken(c.cursorToken())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for id, s := range want {
		if got[id] != s {
			t.Fatalf("chat %d: got %d, want %d", id, got[id], s)
		}
	}
}

func TestCursorTokenRejectsGarbage(t *testing.T) {
	for _, tok := range []string{"", "v2.AAA", "v1.!!", "v1.gA", "nonsense", "v1." + string(make([]byte, 70<<10))} {
		if _, err := decodeCursorToken(tok); err == nil {
			t.Errorf("%.20q accepted", tok)
		}
	}
}

func FuzzDecodeCursorToken(f *testing.F) {
	f.Add("v1.AwAEKQ")
	f.Fuzz(func(t *testing.T, tok string) {
		_, _ = decodeCursorToken(tok) // must not panic
	})
}
