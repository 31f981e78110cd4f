package hub

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/fechatter/fechatter"
)

// Seeds live in testdata/fuzz/<target>; `make fuzz-short` runs each target briefly.

// Any client frame decodes to a frame or to an invalid_input error naming the problem; never a
// panic, never an accepted frame without a type or with a ref the reply could not echo.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{`{"type":"send","chat_id":1,"client_id":"11111111-2222-4333-8444-555555555555","text":"hi","ref":"a"}`,
		`{"type":"resume","chats":{"1":5}}`, `{"type":"edit","chat_id":1,"message_id":2,"text":null}`, `{"ref":12}`, `[]`, `{"type":1}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			if fechatter.ErrorCode(err) != fechatter.EInvalid {
				t.Fatalf("error %v is not invalid_input", err)
			}
			return
		}
		if fr.Type == "" {
			t.Fatal("a frame without a type was accepted")
		}
		if len(fr.Ref) > maxRefLength || (len(fr.Ref) > 0 && !json.Valid(fr.Ref)) {
			t.Fatalf("ref %q accepted", fr.Ref)
		}
	})
}

// The resume object of auth and resume frames: chat IDs are positive, seqs not negative.
func FuzzResumeMap(f *testing.F) {
	for _, s := range []string{`{"1":0}`, `{"7":41,"12":5}`, `{"-1":2}`, `{"x":1}`, `{"3":-1}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]int64
		if json.Unmarshal(data, &m) != nil {
			return
		}
		out, err := resumeMap(m)
		if err != nil {
			if fechatter.ErrorCode(err) != fechatter.EInvalid {
				t.Fatalf("error %v is not invalid_input", err)
			}
			return
		}
		if len(out) != len(m) {
			t.Fatalf("%d keys became %d", len(m), len(out))
		}
		for id, seq := range out {
			if id <= 0 || seq < 0 {
				t.Fatalf("accepted chat %d seq %d", id, seq)
			}
		}
	})
}

// The SSE Last-Event-ID: any string either is refused or names positive chats with seqs; and
// what a connection's cursors encode decodes back to the same positions.
func FuzzLastEventID(f *testing.F) {
	c := &Client{cursors: map[int64]*cursor{3: {seq: 0}, 7: {seq: 41}, 1 << 40: {seq: 1 << 33}}}
	f.Add(c.cursorToken())
	f.Add(cursorPrefix)
	f.Add(cursorPrefix + "AAAA")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := decodeCursorToken(tok)
		if err != nil {
			return
		}
		c := &Client{cursors: map[int64]*cursor{}}
		for id, seq := range got {
			if id <= 0 || seq < 0 {
				t.Fatalf("accepted chat %d seq %d", id, seq)
			}
			c.cursors[id] = &cursor{seq: seq}
		}
		again, err := decodeCursorToken(c.cursorToken())
		if err != nil || !maps.Equal(got, again) {
			t.Fatalf("round trip of %v gave %v, %v", got, again, err)
		}
	})
}
