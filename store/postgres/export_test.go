package postgres

import "github.com/fechatter/fechatter"

// SearchSQL exposes the search statement builder to benchmarks (EXPLAIN).
func SearchSQL(q fechatter.MessageSearch) (string, []any) { return searchSQL(q) }
