package meilitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type predicate func(doc map[string]any) bool

// compileFilter compiles a Meilisearch filter: a string expression (comparisons =, !=, >,
// >=, <, <=; IN [..] and NOT IN [..]; AND, OR, NOT, parentheses) or an array of them (AND;
// an inner array is OR). Only filterable attributes may appear.
func compileFilter(f any, filterable []string) (predicate, *apiError) {
	switch f := f.(type) {
	case nil:
		return func(map[string]any) bool { return true }, nil
	case string:
		if strings.TrimSpace(f) == "" {
			return func(map[string]any) bool { return true }, nil
		}
		p := &filterParser{toks: lex(f), filterable: filterable}
		pred, err := p.or()
		if err == nil && p.i < len(p.toks) {
			err = fmt.Errorf("unexpected %q", p.toks[p.i])
		}
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "invalid_search_filter", "Invalid filter `%s`: %v.", f, err)
		}
		return pred, nil
	case []any:
		var preds []predicate
		for _, el := range f {
			var pred predicate
			var e *apiError
			if inner, ok := el.([]any); ok {
				pred, e = compileOr(inner, filterable)
			} else {
				pred, e = compileFilter(el, filterable)
			}
			if e != nil {
				return nil, e
			}
			preds = append(preds, pred)
		}
		return func(d map[string]any) bool {
			for _, p := range preds {
				if !p(d) {
					return false
				}
			}
			return true
		}, nil
	}
	return nil, errorf(http.StatusBadRequest, "invalid_search_filter", "Invalid filter type %T.", f)
}

func compileOr(fs []any, filterable []string) (predicate, *apiError) {
	var preds []predicate
	for _, el := range fs {
		pred, e := compileFilter(el, filterable)
		if e != nil {
			return nil, e
		}
		preds = append(preds, pred)
	}
	return func(d map[string]any) bool { return slices.ContainsFunc(preds, func(p predicate) bool { return p(d) }) }, nil
}

func lex(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("[](),", rune(c)):
			toks, i = append(toks, string(c)), i+1
		case c == '!' || c == '>' || c == '<' || c == '=':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks, i = append(toks, s[i:j]), j
		case c == '"' || c == '\'':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return append(toks, s[i:])
			}
			toks, i = append(toks, s[i:i+j+2]), i+j+2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n[](),!<>=\"'", rune(s[j])) {
				j++
			}
			toks, i = append(toks, s[i:j]), j
		}
	}
	return toks
}

type filterParser struct {
	toks       []string
	i          int
	filterable []string
}

func (p *filterParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *filterParser) next() string { t := p.peek(); p.i++; return t }

func (p *filterParser) or() (predicate, error) {
	return p.chain("OR", p.and, func(a, b bool) bool { return a || b })
}

func (p *filterParser) and() (predicate, error) {
	return p.chain("AND", p.unary, func(a, b bool) bool { return a && b })
}

func (p *filterParser) chain(op string, sub func() (predicate, error), join func(a, b bool) bool) (predicate, error) {
	left, err := sub()
	for err == nil && strings.EqualFold(p.peek(), op) {
		p.next()
		var right predicate
		if right, err = sub(); err == nil {
			l, r := left, right
			left = func(d map[string]any) bool { return join(l(d), r(d)) }
		}
	}
	return left, err
}

func (p *filterParser) unary() (predicate, error) {
	switch {
	case strings.EqualFold(p.peek(), "NOT"):
		p.next()
		inner, err := p.unary()
		return func(d map[string]any) bool { return err == nil && !inner(d) }, err
	case p.peek() == "(":
		p.next()
		inner, err := p.or()
		if err == nil && p.next() != ")" {
			err = fmt.Errorf("missing )")
		}
		return inner, err
	}
	return p.condition()
}

func (p *filterParser) condition() (predicate, error) {
	attr := p.next()
	if attr == "" || !slices.Contains(p.filterable, attr) {
		return nil, fmt.Errorf("attribute `%s` is not filterable; filterable attributes are %v", attr, p.filterable)
	}
	op := p.next()
	negate := false
	if strings.EqualFold(op, "NOT") {
		negate, op = true, p.next()
	}
	if strings.EqualFold(op, "IN") {
		vals, err := p.list()
		return func(d map[string]any) bool {
			in := slices.ContainsFunc(vals, func(v string) bool { return compare(d[attr], v) == 0 })
			return in != negate
		}, err
	}
	if negate {
		return nil, fmt.Errorf("NOT must be followed by IN here")
	}
	val := unquote(p.next())
	want := map[string]func(int) bool{
		"=": func(c int) bool { return c == 0 }, "!=": func(c int) bool { return c != 0 },
		">": func(c int) bool { return c > 0 }, ">=": func(c int) bool { return c >= 0 },
		"<": func(c int) bool { return c < 0 && c != incomparable }, "<=": func(c int) bool { return c <= 0 && c != incomparable },
	}[op]
	if want == nil || val == "" {
		return nil, fmt.Errorf("bad comparison %s %s %s", attr, op, val)
	}
	return func(d map[string]any) bool { return want(compare(d[attr], val)) }, nil
}

func (p *filterParser) list() ([]string, error) {
	if p.next() != "[" {
		return nil, fmt.Errorf("IN needs a [list]")
	}
	var vals []string
	for {
		t := p.next()
		switch t {
		case "]":
			return vals, nil
		case ",":
		case "":
			return nil, fmt.Errorf("unclosed [")
		default:
			vals = append(vals, unquote(t))
		}
	}
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

const incomparable = -2

// compare compares a document value with a filter literal: numerically when both are
// numbers, else as strings. It returns -1, 0, 1, or incomparable.
func compare(v any, lit string) int {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		s = v
	case bool:
		s = strconv.FormatBool(v)
	default:
		return incomparable
	}
	a, errA := strconv.ParseFloat(s, 64)
	b, errB := strconv.ParseFloat(lit, 64)
	if errA == nil && errB == nil {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	if _, ok := v.(string); !ok {
		return incomparable
	}
	return strings.Compare(s, lit)
}

// compileSort compiles ["attr:asc", "attr:desc"] into a comparison; attributes must be sortable.
func compileSort(sorts []string, sortable []string) (func(a, b map[string]any) int, *apiError) {
	if len(sorts) == 0 {
		return nil, nil
	}
	type key struct {
		attr string
		desc bool
	}
	var keys []key
	for _, s := range sorts {
		attr, dir, ok := strings.Cut(s, ":")
		if !ok || (dir != "asc" && dir != "desc") || !slices.Contains(sortable, attr) {
			return nil, errorf(http.StatusBadRequest, "invalid_search_sort", "Invalid sort `%s`; sortable attributes are %v.", s, sortable)
		}
		keys = append(keys, key{attr, dir == "desc"})
	}
	return func(a, b map[string]any) int {
		for _, k := range keys {
			c := compare(a[k.attr], fmt.Sprint(b[k.attr]))
			if c == incomparable || c == 0 {
				continue
			}
			if k.desc {
				return -c
			}
			return c
		}
		return 0
	}, nil
}
