package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// fold returns s in lower case without diacritics ("Café" → "cafe"), the form in which words
// are compared. The stores fold the same way on their side (FTS5 remove_diacritics,
// PostgreSQL unaccent).
func fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// span is a word of a text: its byte range and folded form.
type span struct {
	start, end int
	word       string
}

// spans splits text into words: runs of letters and digits (combining marks stay with their
// letter). Everything else separates words, like the FTS5 unicode61 tokenizer.
func spans(text string) []span {
	var out []span
	start := -1
	for i, r := range text {
		switch {
		case isWordRune(r) && start < 0:
			start = i
		case !isWordRune(r) && start >= 0:
			out = append(out, span{start, i, fold(text[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(text), fold(text[start:])})
	}
	return out
}

// words returns the folded words of text, skipping those that fold to nothing.
func words(text string) []string {
	var out []string
	for _, s := range spans(text) {
		if w := strings.Map(keepWordRune, s.word); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func keepWordRune(r rune) rune {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return r
	}
	return -1
}
