package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// composeFile is docker-compose.yml as the Compose Specification reads it (YAML anchors and
// merge keys resolved), as a JSON value.
func composeFile(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("docker-compose.yml is not JSON-shaped: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

// The compose file is valid under the Compose Specification's JSON schema (vendored in
// deploy/compose, see NOTICE.md there): the check `docker compose config` would make, which
// this machine's Docker client (no compose plugin) cannot.
func TestComposeMatchesTheSpecification(t *testing.T) {
	sch, err := jsonschema.NewCompiler().Compile("../../deploy/compose/compose-spec.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := composeFile(t)
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("docker-compose.yml does not match the Compose Specification:\n%v", err)
	}
	// The schema can fail: a misspelt key is refused.
	doc["services"].(map[string]any)["redis"].(map[string]any)["helthcheck"] = map[string]any{}
	if sch.Validate(doc) == nil {
		t.Fatal("the schema accepted an unknown service key")
	}
}

// Every profile on its own (and all together) is a complete deployment: each service it runs
// depends only on services it runs, every image is pinned to a full version, and every file
// it mounts from the repository exists.
func TestComposeProfiles(t *testing.T) {
	doc := composeFile(t)
	services := doc["services"].(map[string]any)
	volumes, _ := doc["volumes"].(map[string]any)
	profiles := map[string]bool{}
	for _, s := range services {
		for _, p := range list(s.(map[string]any)["profiles"]) {
			profiles[p] = true
		}
	}
	want := []string{"analytics", "observability", "scale", "search"}
	if got := keys(profiles); !slices.Equal(got, want) {
		t.Fatalf("profiles %v, want %v", got, want)
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:v?\d+\.\d+\.\d+[a-z0-9.-]*$|@sha256:[0-9a-f]{64}$`)
	twoPart := regexp.MustCompile(`^postgres:\d+\.\d+-[a-z]+$`) // PostgreSQL's versions have two parts
	runs := [][]string{nil, {"search"}, {"analytics"}, {"observability"}, {"scale"}, want}
	for _, enabled := range runs {
		name := "default"
		if enabled != nil {
			name = strings.Join(enabled, ",")
		}
		t.Run(name, func(t *testing.T) {
			active := map[string]bool{}
			for n, s := range services {
				ps := list(s.(map[string]any)["profiles"])
				if len(ps) == 0 || slices.ContainsFunc(ps, func(p string) bool { return slices.Contains(enabled, p) }) {
					active[n] = true
				}
			}
			for _, must := range []string{"fechatter", "postgres", "nats", "redis"} {
				if !active[must] {
					t.Errorf("%s does not run", must)
				}
			}
			for n := range active {
				s := services[n].(map[string]any)
				for dep := range dependsOn(s["depends_on"]) {
					if !active[dep] {
						t.Errorf("%s depends on %s, which this profile does not run", n, dep)
					}
				}
				img, _ := s["image"].(string)
				if _, built := s["build"]; !built && !pinned.MatchString(img) && !twoPart.MatchString(img) {
					t.Errorf("%s: image %q is not pinned to a full version", n, img)
				}
				for _, v := range list(s["volumes"]) {
					src, _, _ := strings.Cut(v, ":")
					switch {
					case strings.HasPrefix(src, "./"):
						if _, err := os.Stat(filepath.Join("../..", src)); err != nil {
							t.Errorf("%s mounts %s: %v", n, src, err)
						}
					case !strings.HasPrefix(src, "/"):
						if _, ok := volumes[src]; !ok {
							t.Errorf("%s uses volume %s, which is not declared", n, src)
						}
					}
				}
			}
		})
	}
}

// list reads a compose list of strings (profiles, short-form volumes).
func list(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// dependsOn reads depends_on in either form: a list of names or a map of name to condition.
func dependsOn(v any) map[string]bool {
	out := map[string]bool{}
	switch d := v.(type) {
	case []any:
		for _, s := range list(d) {
			out[s] = true
		}
	case map[string]any:
		for k := range d {
			out[k] = true
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
