package search

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
)

// Snippet sizes, in characters.
const (
	snippetRunes = 200 // a longer text is cut to a window of this size
	snippetLead  = 60  // characters kept before the first match
)

// Snippet returns the part of text around the first match of t, as HTML: the text escaped,
// every matching word wrapped in <mark>…</mark>, "…" where it was cut. Clients may insert it
// as HTML as it is.
func Snippet(text string, t fechatter.TextQuery) string {
	marks := matches(text, t)
	start, end := window(text, marks)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, m := range marks {
		if m.start < start || m.end > end {
			continue
		}
		b.WriteString(html.EscapeString(text[at:m.start]))
		b.WriteString("<mark>" + html.EscapeString(text[m.start:m.end]) + "</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(text[at:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// matches returns the words of text that t looks for. Words of phrases are marked where the
// whole phrase occurs.
func matches(text string, t fechatter.TextQuery) []span {
	ws := spans(text)
	hit := make([]bool, len(ws))
	for i, s := range ws {
		hit[i] = slices.Contains(t.Words, s.word) || (t.Prefix != "" && strings.HasPrefix(s.word, t.Prefix))
	}
	for _, p := range t.Phrases {
		for i := 0; i+len(p) <= len(ws); i++ {
			if phraseAt(ws[i:], p) {
				for j := range p {
					hit[i+j] = true
				}
			}
		}
	}
	var out []span
	for i, s := range ws {
		if hit[i] {
			out = append(out, s)
		}
	}
	return out
}

func phraseAt(ws []span, p []string) bool {
	for j, w := range p {
		if ws[j].word != w {
			return false
		}
	}
	return true
}

// window picks the byte range of text to show: all of it when short, else snippetRunes
// characters starting a little before the first match, moved to word boundaries.
func window(text string, marks []span) (int, int) {
	if utf8.RuneCountInString(text) <= snippetRunes {
		return 0, len(text)
	}
	first := 0
	if len(marks) > 0 {
		first = marks[0].start
	}
	start := back(text, first, snippetLead)
	end := forward(text, start, snippetRunes)
	if end == len(text) { // near the end: show the last snippetRunes characters
		start = back(text, len(text), snippetRunes)
	}
	// Do not cut words in two.
	if start > 0 {
		if i := strings.IndexAny(text[start:first], " \n\t"); i >= 0 {
			start += i + 1
		}
	}
	if end < len(text) {
		if i := strings.LastIndexAny(text[start:end], " \n\t"); i > 0 && start+i > first {
			end = start + i
		}
	}
	return start, end
}

// back returns the byte offset n characters before i.
func back(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// forward returns the byte offset n characters after i.
func forward(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
