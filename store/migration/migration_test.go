package migration

import (
	"testing"
	"testing/fstest"
)

func TestLoadOrdersByVersion(t *testing.T) {
	ms, err := Load(fstest.MapFS{
		"migrations/0010_later.sql": {Data: []byte("B")},
		"migrations/0002_first.sql": {Data: []byte("A")},
		"migrations/README.md":      {Data: []byte("not sql")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 2 || ms[0].SQL != "A" || ms[1].Name != "0010_later.sql" {
		t.Fatalf("loaded %+v", ms)
	}
}

func TestLoadRejectsBadNames(t *testing.T) {
	for _, fs := range []fstest.MapFS{
		{"migrations/x_bad.sql": {}},
		{"migrations/0000_zero.sql": {}},
		{"migrations/0001_a.sql": {}, "migrations/1_b.sql": {}},
	} {
		if _, err := Load(fs); err == nil {
			t.Errorf("%v accepted", fs)
		}
	}
}
