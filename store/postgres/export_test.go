package postgres

import "github.com/fechatter/fechatter"

// SearchSQL exposes the search statement builder to benchmarks (EXPLAIN).
func SearchSQL(q fechatter.MessageSearch, chatsInQuery bool) (string, []any) {
	return searchSQL(q, chatsInQuery)
}

// SetWordsDriveBelow changes the selectivity threshold of searchplan.go until the returned
// function restores it (tests force either plan with it; not safe with parallel searches).
func SetWordsDriveBelow(n float64) (restore func()) {
	old := wordsDriveBelow
	wordsDriveBelow = n
	return func() { wordsDriveBelow = old }
}
