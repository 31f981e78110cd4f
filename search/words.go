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

// IsWordRune is the one rule of what a word is made of, for every backend: letters, digits
// and the combining marks that belong to them (category Mn). Every other character separates
// words, like FTS5's unicode61 tokenizer and the PostgreSQL configuration do; search/meili
// declares the characters Meilisearch would otherwise keep inside words as separator tokens.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

func isWordRune(r rune) bool { return IsWordRune(r) }

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

// Words returns the words of text as every backend indexes them: folded (lower case, no
// diacritics), split by IsWordRune.
func Words(text string) []string { return words(text) }

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

// separatorBlocks are the Unicode blocks where chat text finds its punctuation and symbols.
var separatorBlocks = []struct{ lo, hi rune }{
	{0x0021, 0x007E},   // ASCII punctuation and symbols
	{0x00A0, 0x00BF},   // Latin-1 punctuation, symbols, no-break space
	{0x00D7, 0x00D7},   // ×
	{0x00F7, 0x00F7},   // ÷
	{0x2000, 0x206F},   // General Punctuation (spaces, dashes, quotes, zero-width joiners)
	{0x20A0, 0x20CF},   // Currency Symbols
	{0x2100, 0x214F},   // Letterlike Symbols (™, ℃, …; the letters among them stay words)
	{0x2190, 0x23FF},   // Arrows, Mathematical Operators, Miscellaneous Technical
	{0x2500, 0x27BF},   // Box Drawing … Dingbats (✓, ★, ❤)
	{0x27F0, 0x2BFF},   // Supplemental Arrows … Miscellaneous Symbols and Arrows
	{0x3000, 0x303F},   // CJK Symbols and Punctuation
	{0xFE30, 0xFE4F},   // CJK Compatibility Forms
	{0xFF01, 0xFF0F},   // Fullwidth ASCII punctuation
	{0x1F000, 0x1FAFF}, // Mahjong … Symbols and Pictographs Extended-A (emoji, flags, skin tones)
}

// SeparatorRunes lists the assigned characters of the punctuation and symbol blocks of Unicode
// (ASCII and Latin-1 punctuation, general punctuation, currency, arrows, mathematical and
// technical symbols, dingbats, CJK punctuation, fullwidth forms, emoji) that are not word
// runes. Engines whose tokenizers keep some of them inside words are told to split at these:
// Meilisearch (separatorTokens) and SQLite FTS5 (the unicode61 separators option, for the
// symbols newer than its Unicode tables, emoji among them).
func SeparatorRunes() []rune {
	var out []rune
	for _, b := range separatorBlocks {
		for r := b.lo; r <= b.hi; r++ {
			if IsWordRune(r) || unicode.IsControl(r) || !unicode.In(r, unicode.L, unicode.M, unicode.N,
				unicode.P, unicode.S, unicode.Z, unicode.Cf) {
				continue
			}
			out = append(out, r)
		}
	}
	return out
}
