package check

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// failures turns the SDK's error into its list of failures. On success the SDK returns an
// empty cog.BuildErrors as a non-nil error interface (a typed nil), so `err != nil` alone
// would fail every dashboard: the list's length decides.
func failures(err error) []error {
	if err == nil {
		return nil
	}
	var list cog.BuildErrors
	if errors.As(err, &list) {
		out := make([]error, len(list))
		for i, e := range list {
			out[i] = e
		}
		return out
	}
	return []error{err}
}

// Every dashboard in deploy/grafana/dashboards (the operator's and those other features add)
// decodes strictly into the Grafana dashboard schema, no unknown field anywhere, and
// validates.
func TestDashboards(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	files, err := filepath.Glob("../grafana/dashboards/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no dashboards found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var d dashboard.Dashboard
			for _, e := range failures(d.UnmarshalJSONStrict(raw)) {
				t.Errorf("decode: %v", e)
			}
			for _, e := range failures(d.Validate()) {
				t.Errorf("validate: %v", e)
			}
			if d.Uid == nil || *d.Uid == "" || d.Title == nil || len(d.Panels) == 0 {
				t.Errorf("a provisioned dashboard needs a uid, a title and panels")
			}
		})
	}
}

// The validator can fail: an unknown field, a wrongly typed one and a missing one are refused.
func TestDashboardValidatorRejects(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, bad := range []string{
		`{"title":"x","schemaVersion":41,"templating":{"list":[]},"annotations":{"list":[]},"panelz":[]}`,
		`{"title":"x","schemaVersion":"41","templating":{"list":[]},"annotations":{"list":[]}}`,
		`{"title":"x","schemaVersion":41,"templating":{"list":[]},"annotations":{"list":[]},"panels":[{"title":"a panel without a type","gridPos":{"h":8,"w":8,"x":0,"y":0}}]}`,
	} {
		var d dashboard.Dashboard
		if len(failures(d.UnmarshalJSONStrict([]byte(bad)))) == 0 && len(failures(d.Validate())) == 0 {
			t.Errorf("accepted %s", bad)
		}
	}
}
