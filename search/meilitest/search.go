package meilitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

type searchRequest struct {
	Q                string   `json:"q"`
	Filter           any      `json:"filter"`
	Sort             []string `json:"sort"`
	Offset           int      `json:"offset"`
	Limit            *int     `json:"limit"`
	MatchingStrategy string   `json:"matchingStrategy"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, ix *index) *apiError {
	start := time.Now()
	var req searchRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return errorf(http.StatusBadRequest, "bad_request", "Invalid search request: %v", err)
	}
	limit := 20
	if req.Limit != nil {
		limit = *req.Limit
	}
	if limit < 0 || req.Offset < 0 {
		return errorf(http.StatusBadRequest, "invalid_search_limit", "Invalid value for `limit` or `offset`.")
	}
	switch req.MatchingStrategy {
	case "", "all", "last":
	default:
		return errorf(http.StatusBadRequest, "invalid_search_matching_strategy", "Unknown matching strategy `%s`.", req.MatchingStrategy)
	}
	keep, e := compileFilter(req.Filter, stringsSetting(ix.settings, "filterableAttributes"))
	if e != nil {
		return e
	}
	less, e := compileSort(req.Sort, stringsSetting(ix.settings, "sortableAttributes"))
	if e != nil {
		return e
	}
	tok := newTokenizer(ix.settings)
	q := parseQuery(req.Q, tok)
	searchable := stringsSetting(ix.settings, "searchableAttributes")
	type scored struct {
		doc   map[string]any
		score int
		order int
	}
	var hits []scored
	for key, d := range ix.docs {
		if !keep(d) {
			continue
		}
		score, ok := q.match(tok.tokens(docText(d, searchable)))
		if ok {
			hits = append(hits, scored{d, score, ix.order[key]})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if less != nil {
			if c := less(hits[i].doc, hits[j].doc); c != 0 {
				return c < 0
			}
		}
		if hits[i].score != hits[j].score {
			return hits[i].score < hits[j].score
		}
		return hits[i].order < hits[j].order
	})
	out := []map[string]any{}
	for i := req.Offset; i < len(hits) && len(out) < limit; i++ {
		out = append(out, hits[i].doc)
	}
	writeJSON(w, http.StatusOK, map[string]any{"hits": out, "query": req.Q, "offset": req.Offset, "limit": limit,
		"estimatedTotalHits": len(hits), "processingTimeMs": time.Since(start).Milliseconds()})
	return nil
}

func stringsSetting(settings map[string]any, name string) []string {
	raw, _ := settings[name].([]any)
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// docText joins the searchable string attributes of d ("*" or none set: all of them).
func docText(d map[string]any, searchable []string) string {
	var b strings.Builder
	for k, v := range d {
		if len(searchable) > 0 && !slices.Contains(searchable, "*") && !slices.Contains(searchable, k) {
			continue
		}
		if s, ok := v.(string); ok {
			b.WriteString(s + "\n")
		}
	}
	return b.String()
}

// query is q as Meilisearch reads it: words (the last one, when q does not end in a space,
// also matches as a prefix), "phrases", and -negated words or phrases.
type query struct {
	words    []string
	prefix   bool
	phrases  [][]string
	negative [][]string
}

func parseQuery(q string, tok tokenizer) query {
	var out query
	for q = strings.TrimLeft(q, " "); q != ""; q = strings.TrimLeft(q, " ") {
		neg := strings.HasPrefix(q, "-")
		if neg {
			q = q[1:]
		}
		var term string
		quoted := strings.HasPrefix(q, `"`)
		if quoted {
			end := strings.IndexByte(q[1:], '"')
			if end < 0 {
				term, q = q[1:], ""
			} else {
				term, q = q[1:end+1], q[end+2:]
			}
		} else {
			end := strings.IndexByte(q, ' ')
			if end < 0 {
				end = len(q)
			}
			term, q = q[:end], q[end:]
		}
		ws := tok.tokens(term)
		switch {
		case len(ws) == 0:
		case neg:
			out.negative = append(out.negative, ws)
		case quoted:
			out.phrases = append(out.phrases, ws)
			out.prefix = false
		default:
			out.words = append(out.words, ws...)
			out.prefix = q == ""
		}
	}
	return out
}

// match reports whether the words of a text match and a score (lower is better: the spread
// of matches).
func (q query) match(ws []string) (int, bool) {
	first, last := len(ws), -1
	for i, w := range q.words {
		pos := slices.IndexFunc(ws, func(t string) bool {
			return t == w || (q.prefix && i == len(q.words)-1 && strings.HasPrefix(t, w))
		})
		if pos < 0 {
			return 0, false
		}
		first, last = min(first, pos), max(last, pos)
	}
	for _, p := range q.phrases {
		pos := phraseIndex(ws, p)
		if pos < 0 {
			return 0, false
		}
		first, last = min(first, pos), max(last, pos+len(p)-1)
	}
	for _, n := range q.negative {
		if phraseIndex(ws, n) >= 0 {
			return 0, false
		}
	}
	if last < 0 {
		return 0, true
	}
	return last - first, true
}

func phraseIndex(ws, p []string) int {
	for i := 0; i+len(p) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(p)], p) {
			return i
		}
	}
	return -1
}
