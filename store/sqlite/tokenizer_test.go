package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/search"
	"github.com/fechatter/fechatter/store/sqlite"
)

// TestTokenizerSeparators checks that the FTS5 tokenizer of the migrated schema splits words
// at every character of search.SeparatorRunes (the word rule every backend follows), so the
// separators list in migration 0009 cannot drift from it.
func TestTokenizerSeparators(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	openAt(t, path, sqlite.Options{})
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	var ddl string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'messages_fts'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	tokenize := regexp.MustCompile(`(?s)tokenize = ('(?:[^']|'')*')`).FindStringSubmatch(ddl)
	if tokenize == nil {
		t.Fatalf("no tokenize option in %q", ddl)
	}
	for _, q := range []string{
		`CREATE VIRTUAL TABLE temp.probe USING fts5(text, tokenize = ` + tokenize[1] + `)`,
		`CREATE VIRTUAL TABLE temp.probe_vocab USING fts5vocab(temp, probe, 'row')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var text strings.Builder
	for _, r := range search.SeparatorRunes() {
		text.WriteString("word" + string(r))
	}
	if _, err := raw.Exec(`INSERT INTO temp.probe (text) VALUES (?)`, text.String()); err != nil {
		t.Fatal(err)
	}
	rows, err := raw.Query(`SELECT term FROM temp.probe_vocab`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			t.Fatal(err)
		}
		if term != "word" {
			t.Errorf("FTS5 keeps a separator inside the token %q (%+q)", term, term)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
