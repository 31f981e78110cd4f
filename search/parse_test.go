package search

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func TestParse(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	cases := []struct {
		in   string
		want Query
	}{
		{"hello", Query{Text: fechatter.TextQuery{Prefix: "hello"}, Simple: true}},
		{"Hello Wörld", Query{Text: fechatter.TextQuery{Words: []string{"hello"}, Prefix: "world"}, Simple: true}},
		{"a", Query{Text: fechatter.TextQuery{Words: []string{"a"}}, Simple: true}},
		{`"Exact Phrase" tail`, Query{Text: fechatter.TextQuery{Prefix: "tail", Phrases: [][]string{{"exact", "phrase"}}}, Simple: true}},
		{`"one"`, Query{Text: fechatter.TextQuery{Words: []string{"one"}}, Simple: true}},
		{`keep -drop -"two words"`, Query{Text: fechatter.TextQuery{Prefix: "keep", Excluded: [][]string{{"drop"}, {"two", "words"}}}, Simple: true}},
		{"alice@acme.io", Query{Text: fechatter.TextQuery{Words: []string{"alice", "acme"}, Prefix: "io"}, Simple: true}},
		{"meet 10:30", Query{Text: fechatter.TextQuery{Words: []string{"meet", "10"}, Prefix: "30"}, Simple: true}},
		{"deploy deploy", Query{Text: fechatter.TextQuery{Words: []string{"deploy"}}, Simple: true}},
		{"from:@Alice in:#general x", Query{Text: fechatter.TextQuery{Words: []string{"x"}}, From: []string{"Alice"}, In: []string{"general"}}},
		{`in:"team chat" FROM:me`, Query{From: []string{"me"}, In: []string{"team chat"}}},
		{"x before:2026-01-02", Query{Text: fechatter.TextQuery{Words: []string{"x"}}, Until: day("2026-01-02")}},
		{"x after:2026-01-02", Query{Text: fechatter.TextQuery{Words: []string{"x"}}, Since: day("2026-01-03")}},
		{"x on:2026-01-02", Query{Text: fechatter.TextQuery{Words: []string{"x"}}, Since: day("2026-01-02"), Until: day("2026-01-03")}},
		{"- x", Query{Text: fechatter.TextQuery{Words: []string{"x"}}, Simple: true}},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) =\n %+v, want\n %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for in, mention := range map[string]string{
		"":                               "empty",
		"\xff":                           "UTF-8",
		"http://example.com":             "http:",
		"x on:2026-01-02T00:00:00Z":      "on:",
		strings.Repeat("w ", MaxTerms+1): "terms",
		"in: x":                          "in:",
	} {
		_, err := Parse(in)
		if fechatter.ErrorCode(err) != fechatter.EInvalid || !strings.Contains(fechatter.ErrorMessage(err), mention) {
			t.Errorf("Parse(%q) = %v; want invalid_input mentioning %q", in, err, mention)
		}
	}
}

func TestSnippet(t *testing.T) {
	q := fechatter.TextQuery{Words: []string{"cafe"}, Prefix: "mid", Phrases: [][]string{{"a", "b"}}}
	for text, want := range map[string]string{
		"Le Café à midi <3": "Le <mark>Café</mark> à <mark>midi</mark> &lt;3",
		"a b c a":           "<mark>a</mark> <mark>b</mark> c a",
		"nothing":           "nothing",
		"":                  "",
	} {
		if got := Snippet(text, q); got != want {
			t.Errorf("Snippet(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	s := signer{key: []byte("k")}
	c := cursor{Recent: true, BeforeID: 42, Search: "fp"}
	got, err := s.decode(s.encode(c), "fp")
	if err != nil || got != c {
		t.Fatalf("decode(encode) = %+v, %v", got, err)
	}
	if _, err := (signer{key: []byte("other")}).decode(s.encode(c), "fp"); err == nil {
		t.Fatal("a cursor signed with another key was accepted")
	}
}
