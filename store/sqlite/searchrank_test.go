package sqlite

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/search"
)

// TestCountInFollowsWords requires the in-place count of ASCII texts to find what counting
// search.Words finds, words and term occurrences alike, on random texts of letters, digits,
// punctuation and spaces, for words, prefixes and phrases.
func TestCountInFollowsWords(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	alphabet := "abAB1 .-_<>'é"
	terms := []term{{words: []string{"ab"}}, {words: []string{"a"}, prefix: true}, {words: []string{"ab", "b1"}}, {words: []string{"1"}}}
	var buf []span
	for range 5000 {
		var b strings.Builder
		for range rng.Intn(24) {
			b.WriteString(string([]rune(alphabet)[rng.Intn(len([]rune(alphabet)))]))
		}
		text := b.String()
		ws := search.Words(text)
		for _, tm := range terms {
			n, size := tm.countIn(text, &buf)
			if want := tm.count(ws); n != want || size != len(ws) {
				t.Fatalf("%q, term %v: count %v of %d words, search.Words gives %v of %d", text, tm, n, size, want, len(ws))
			}
		}
	}
}
