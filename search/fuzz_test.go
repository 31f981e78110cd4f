package search

import (
	"testing"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
)

// Any q parses or is refused with invalid_input; a parsed query has no empty word and stays
// within the term limit.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"hello", `"Exact Phrase" tail`, `keep -drop -"two words"`, "from:@Alice in:#general x",
		`in:"team chat" FROM:me`, "x before:2026-01-02", "on:2026-02-30", "http://x", `"unterminated`, "-", "from:", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := Parse(q)
		if err != nil {
			if fechatter.ErrorCode(err) != fechatter.EInvalid {
				t.Fatalf("Parse(%q): error %v is not invalid_input", q, err)
			}
			return
		}
		if !utf8.ValidString(q) {
			t.Fatalf("Parse accepted invalid UTF-8 %q", q)
		}
		for _, w := range p.Text.Words {
			if w == "" {
				t.Fatalf("Parse(%q) made an empty word: %v", q, p)
			}
		}
		if n := len(p.Text.Words) + len(p.Text.Phrases) + len(p.Text.Excluded) + len(p.From) + len(p.In); n > MaxTerms+1 {
			t.Fatalf("Parse(%q) made %d terms", q, n)
		}
	})
}

// A cursor decodes only when this signer made it for this search; what it made decodes back.
func FuzzCursor(f *testing.F) {
	s := signer{key: []byte("0123456789abcdef0123456789abcdef")}
	fp := fingerprint("user 1|q=hello")
	f.Add(s.encode(cursor{Offset: 20, Search: fp}), false, 20, int64(0))
	f.Add(s.encode(cursor{Recent: true, BeforeID: 99, Search: fp}), true, 0, int64(99))
	f.Add("e30.AAAA", false, -1, int64(-5))
	f.Fuzz(func(t *testing.T, raw string, recent bool, offset int, before int64) {
		if c, err := s.decode(raw, fp); err == nil {
			if c.Search != fp || c.Offset < 0 || c.BeforeID < 0 {
				t.Fatalf("decoded %+v", c)
			}
			if raw != s.encode(c) {
				t.Fatalf("two encodings of %+v accepted: %q and %q", c, raw, s.encode(c))
			}
		} else if fechatter.ErrorCode(err) != fechatter.EInvalid {
			t.Fatalf("error %v is not invalid_input", err)
		}
		c := cursor{Recent: recent, Offset: offset, BeforeID: before, Search: fp}
		got, err := s.decode(s.encode(c), fp)
		if offset < 0 || before < 0 {
			if err == nil {
				t.Fatalf("negative cursor %+v accepted", c)
			}
			return
		}
		if err != nil || got != c {
			t.Fatalf("round trip of %+v: %+v, %v", c, got, err)
		}
	})
}
