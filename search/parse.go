package search

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
)

// Limits of the query language.
const (
	MaxQueryRunes = 500 // characters in q
	MaxTerms      = 32  // words, phrases and operators in one query
)

// Query is a parsed search query: the text to match and the operators, not yet resolved
// against the store.
type Query struct {
	Text   fechatter.TextQuery
	From   []string  // from:@alice, from:me: who sent it (OR)
	In     []string  // in:#general: chat names (OR)
	Since  time.Time // after:/on: inclusive lower bound
	Until  time.Time // before:/on: exclusive upper bound
	Simple bool      // no operator: only text
}

// Operators of the query language. Anything else that looks like "word:value" is an error,
// so a typo never silently becomes search text; quote it ("http://…") to search for it.
var operators = []string{"from", "in", "before", "after", "on"}

// Parse parses a query. Errors are fechatter.EInvalid and name the offending part.
func Parse(q string) (Query, error) {
	if strings.TrimSpace(q) == "" {
		return Query{}, invalid("query parameter \"q\" is empty")
	}
	if !utf8.ValidString(q) {
		return Query{}, invalid("query parameter \"q\" is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(q); n > MaxQueryRunes {
		return Query{}, invalid("query is %d characters long; the limit is %d", n, MaxQueryRunes)
	}
	p := parser{in: q}
	if err := p.run(); err != nil {
		return Query{}, err
	}
	return p.finish()
}

func invalid(format string, args ...any) error {
	return fechatter.Errorf(fechatter.EInvalid, format, args...)
}

type parser struct {
	in    string
	pos   int
	q     Query
	bare  []string // bare words in order; the last becomes the prefix
	terms int
	seen  map[string]bool // operators given once at most
}

func (p *parser) run() error {
	p.seen = map[string]bool{}
	for {
		p.skipSpace()
		if p.pos >= len(p.in) {
			return nil
		}
		if p.terms++; p.terms > MaxTerms {
			return invalid("query has more than %d terms", MaxTerms)
		}
		if err := p.term(); err != nil {
			return err
		}
	}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// token reads up to the next space, or a quoted string when it starts with a quote.
func (p *parser) token() (string, bool, error) {
	if p.pos < len(p.in) && p.in[p.pos] == '"' {
		end := strings.IndexByte(p.in[p.pos+1:], '"')
		if end < 0 {
			return "", false, invalid("unclosed quote in query: add the closing \"")
		}
		s := p.in[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return s, true, nil
	}
	start := p.pos
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if unicode.IsSpace(r) {
			break
		}
		p.pos += n
	}
	return p.in[start:p.pos], false, nil
}

func (p *parser) term() error {
	negate := false
	if p.in[p.pos] == '-' && p.pos+1 < len(p.in) && !unicode.IsSpace(rune(p.in[p.pos+1])) {
		negate = true
		p.pos++
	}
	if !negate {
		if op, ok := p.operator(); ok {
			p.pos += len(op) + 1
			val, _, err := p.token()
			if err != nil {
				return err
			}
			return p.apply(op, strings.TrimSpace(val))
		}
	}
	tok, quoted, err := p.token()
	if err != nil {
		return err
	}
	ws := words(tok)
	switch {
	case len(ws) == 0:
		return nil // punctuation only: nothing to search for
	case negate:
		p.q.Text.Excluded = append(p.q.Text.Excluded, ws)
	case quoted && len(ws) > 1:
		p.q.Text.Phrases = append(p.q.Text.Phrases, ws)
	case quoted:
		p.q.Text.Words = append(p.q.Text.Words, ws...)
	default:
		if name, _, found := strings.Cut(tok, ":"); found && isOperatorLike(name) {
			return invalid("unknown operator %q; known operators: from:, in:, before:, after:, on:", name+":")
		}
		p.bare = append(p.bare, ws...)
	}
	return nil
}

// operator reports whether a known operator ("from:" …) starts at the current position.
func (p *parser) operator() (string, bool) {
	rest := p.in[p.pos:]
	for _, op := range operators {
		if len(rest) > len(op) && strings.EqualFold(rest[:len(op)], op) && rest[len(op)] == ':' {
			return op, true
		}
	}
	return "", false
}

// isOperatorLike reports whether name, before a colon, reads as an operator name: letters
// only. "10:30" and "a:b:c"-style text with digits stay text.
func isOperatorLike(name string) bool {
	if name == "" || len(name) > 16 {
		return false
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func (p *parser) apply(op, val string) error {
	op = strings.ToLower(op)
	if val == "" {
		return invalid("operator %s: needs a value, e.g. %s", op, example(op))
	}
	switch op {
	case "from":
		p.q.From = append(p.q.From, strings.TrimPrefix(val, "@"))
		return nil
	case "in":
		p.q.In = append(p.q.In, strings.TrimPrefix(val, "#"))
		return nil
	}
	if p.seen[op] {
		return invalid("operator %s: is given twice", op)
	}
	p.seen[op] = true
	t, day, err := parseTime(val)
	if err != nil {
		return invalid("operator %s: %q is not a date; use YYYY-MM-DD or an RFC 3339 time", op, val)
	}
	switch op {
	case "before":
		p.q.Until = t
	case "after":
		if day {
			p.q.Since = t.AddDate(0, 0, 1) // after a day: from the next day on
		} else {
			p.q.Since = t.Add(time.Microsecond)
		}
	case "on":
		if !day {
			return invalid("operator on: takes a day (YYYY-MM-DD), not %q", val)
		}
		p.q.Since, p.q.Until = t, t.AddDate(0, 0, 1)
	}
	return nil
}

func example(op string) string {
	switch op {
	case "from":
		return "from:@alice"
	case "in":
		return "in:#general"
	}
	return op + ":2026-01-31"
}

// parseTime reads a day (YYYY-MM-DD, midnight UTC; day=true) or an RFC 3339 time.
func parseTime(s string) (t time.Time, day bool, err error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), true, nil
	}
	t, err = time.Parse(time.RFC3339Nano, s)
	return t.UTC().Truncate(time.Microsecond), false, err
}

// ParseTime reads a time parameter: a day (midnight UTC) or an RFC 3339 time.
func ParseTime(s string) (time.Time, error) {
	t, _, err := parseTime(s)
	return t, err
}

// finish turns the bare words into words and a prefix, and checks the whole.
func (p *parser) finish() (Query, error) {
	t := &p.q.Text
	if n := len(p.bare); n > 0 {
		last := p.bare[n-1]
		if utf8.RuneCountInString(last) >= 2 {
			t.Prefix = last
			p.bare = p.bare[:n-1]
		}
	}
	t.Words = dedupe(append(t.Words, p.bare...))
	if t.Prefix != "" && slices.Contains(t.Words, t.Prefix) {
		t.Prefix = "" // "deploy deploy": the whole word is required anyway
	}
	if t.Empty() && len(t.Excluded) > 0 {
		return Query{}, invalid("a query cannot only exclude words; add a word to search for")
	}
	hasOp := len(p.q.From)+len(p.q.In) > 0 || len(p.seen) > 0
	if t.Empty() && !hasOp {
		return Query{}, invalid("query has no word to search for")
	}
	if !p.q.Since.IsZero() && !p.q.Until.IsZero() && !p.q.Since.Before(p.q.Until) {
		return Query{}, invalid("the dates in the query leave no time to search (after: is not before before:)")
	}
	p.q.Simple = !hasOp
	return p.q, nil
}

func dedupe(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// String renders q back in the query language, normalised; it identifies a search in cursors.
func (q Query) String() string {
	return fmt.Sprintf("%q|%q|%q|%q|%q|%q|%v|%d|%d", q.Text.Words, q.Text.Prefix, q.Text.Phrases,
		q.Text.Excluded, q.From, q.In, q.Simple, q.Since.UnixMicro(), q.Until.UnixMicro())
}
