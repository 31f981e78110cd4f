package meilitest

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/fechatter/fechatter/search"
)

// tokenizer splits text into words as Meilisearch 1.21 does for Latin scripts, given an
// index's separatorTokens setting: words of letters and digits, lower case, without
// diacritics; but characters that Meilisearch's default tokenizer keeps inside a word
// (keptByDefault) stay in it unless the setting declares them separators.
type tokenizer struct {
	separators map[rune]bool // single-character separatorTokens of the index
}

func newTokenizer(settings map[string]any) tokenizer {
	t := tokenizer{separators: map[rune]bool{}}
	for _, s := range stringsSetting(settings, "separatorTokens") {
		if rs := []rune(s); len(rs) == 1 {
			t.separators[rs[0]] = true
		}
	}
	return t
}

func (t tokenizer) tokens(text string) []string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !search.IsWordRune(r) && (t.separators[r] || !keptByDefault(r))
	})
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out := words[:0]
	for _, w := range words { // split first: NFD would turn ≠ into = and a combining mark
		if f, _, err := transform.String(fold, w); err == nil {
			w = f
		}
		if w = strings.ToLower(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// keptByDefault models which non-word characters Meilisearch 1.21's default tokenizer keeps
// inside a word ("alpha<beta" is one word), as measured on the real binary: the ASCII
// symbols $ < = > ^ | ~, symbols in general (arrows, currency, ©, ®, ™, °, emoji), format
// characters (zero-width joiners, soft hyphen) and the no-break spaces; but not + and `, and
// not the arithmetic operators (± × ÷ and U+2212 to U+22FF). search/meili's
// TestTokenizerModel checks this model against the real engine.
func keptByDefault(r rune) bool {
	switch {
	case r < 0x80:
		return strings.ContainsRune("$<=>^|~", r)
	case r == 0xB1 || r == 0xD7 || r == 0xF7 || (r >= 0x2212 && r <= 0x22FF):
		return false
	case r == 0xA0 || r == 0x2000 || r == 0x2001 || r == 0x202F || r == 0x205F:
		return true
	}
	return unicode.In(r, unicode.S, unicode.Cf)
}
