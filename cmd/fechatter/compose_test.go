package main_test

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// docker-compose.yml ships no secret anyone could reuse: every secret-looking setting, and the
// password inside any URL, is a required variable (${NAME:?message}), so compose refuses to
// start until the operator sets it. A service of an optional profile may instead take an empty
// default (${NAME:-}) where its engine refuses to serve without it (Meilisearch in production
// mode, ClickHouse keeping a password-less user local). And every FECHATTER_ setting it uses is
// one the binary has.
func TestComposeHoldsNoLiteralSecret(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Environment yaml.Node `yaml:"environment"`
			Profiles    []string  `yaml:"profiles"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	if len(doc.Services) == 0 || doc.Services["fechatter"].Environment.Kind == 0 {
		t.Fatal("no fechatter service with an environment")
	}
	var help bytes.Buffer
	cmd := exec.Command(bin, "help")
	cmd.Stdout = &help
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}

	required := regexp.MustCompile(`^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$`)
	optional := regexp.MustCompile(`^\$\{[A-Z][A-Z0-9_]*:-\}$`)
	secretName := regexp.MustCompile(`SECRET|PASSWORD|PASSWD|_KEY$|TOKEN`)
	urlPassword := regexp.MustCompile(`://[^/@:]*:([^@]*)@`)
	// Optional secrets belong to optional profiles: ${NAME:-} passes where a service of a
	// profile takes the same variable (fechatter's MEILI_KEY is the search profile's key).
	profileVars := map[string]bool{}
	for name, svc := range doc.Services {
		for _, value := range environment(t, name, svc.Environment) {
			if len(svc.Profiles) > 0 && optional.MatchString(value) {
				profileVars[value] = true
			}
		}
	}
	checked := 0
	for name, svc := range doc.Services {
		for key, value := range environment(t, name, svc.Environment) {
			if secretName.MatchString(key) {
				checked++
				if !required.MatchString(value) && !profileVars[value] {
					t.Errorf("%s: %s = %q is not a required variable ${NAME:?message}", name, key, value)
				}
			}
			if m := urlPassword.FindStringSubmatch(value); m != nil {
				checked++
				if !required.MatchString(m[1]) {
					t.Errorf("%s: %s holds the literal password %q", name, key, m[1])
				}
			}
			if strings.HasPrefix(key, "FECHATTER_") && !strings.Contains(help.String(), key) {
				t.Errorf("%s: %s is not a setting of fechatter (see fechatter help)", name, key)
			}
		}
	}
	if checked < 3 { // the JWT secret, the PostgreSQL password and DATABASE_URL's password
		t.Fatalf("only %d secrets found: is the test still reading the right file?", checked)
	}
}

// environment reads a service's environment in either compose form: a map or a KEY=VALUE list.
func environment(t *testing.T, service string, n yaml.Node) map[string]string {
	t.Helper()
	env := map[string]string{}
	switch n.Kind {
	case 0:
	case yaml.MappingNode:
		if err := n.Decode(&env); err != nil {
			t.Fatalf("%s: environment: %v", service, err)
		}
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			t.Fatalf("%s: environment: %v", service, err)
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	default:
		t.Fatalf("%s: environment is neither a map nor a list", service)
	}
	return env
}
