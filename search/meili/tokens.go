package meili

import "github.com/fechatter/fechatter/search"

// separatorTokens declares, as Meilisearch separator tokens, every character that separates
// words by Fechatter's rule (search.SeparatorRunes): Meilisearch's tokenizer keeps most
// symbols inside a word (`<b>café<`, `a=b`, `$HOME`, `~/x`, `a|b`, `great🙂`, arrows,
// currency, no-break spaces) where the built-in stores split. Characters it already splits at
// are listed too: declaring a separator twice changes nothing, and the list then follows the
// rule alone instead of a snapshot of Meilisearch's defaults.
func separatorTokens() []string {
	rs := search.SeparatorRunes()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
