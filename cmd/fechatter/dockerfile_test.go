package main_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct{ cmd, args string }

// stage is one FROM and what follows it.
type stage struct {
	from, name string
	ins        []instruction
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.ins {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// parseDockerfile reads the Dockerfile's stages, with ${ARG} in FROM resolved from the global
// ARG defaults. (No hadolint or Docker engine here: the test checks what the image must be.)
func parseDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	cur := ""
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") || (l == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	args := map[string]string{}
	var stages []stage
	for _, l := range lines {
		cmd, rest, _ := strings.Cut(l, " ")
		cmd, rest = strings.ToUpper(cmd), strings.TrimSpace(rest)
		switch {
		case cmd == "ARG" && len(stages) == 0:
			k, v, _ := strings.Cut(rest, "=")
			args[k] = v
		case cmd == "FROM":
			f := strings.Fields(os.Expand(rest, func(k string) string { return args[k] }))
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
		case len(stages) > 0:
			stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, instruction{cmd, rest})
		}
	}
	return stages
}

// The image builds the web client in a Node stage, embeds it, stamps the version, and runs as
// a non-root user whose only writable place is the /data volume; every base image is pinned.
func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, "../../Dockerfile")
	if len(stages) < 3 {
		t.Fatalf("%d stages, want web, build and runtime", len(stages))
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:v?\d+\.\d+\.\d+[a-z0-9.-]*$|@sha256:[0-9a-f]{64}$`)
	byName := map[string]stage{}
	for _, s := range stages {
		if s.from != "scratch" && !pinned.MatchString(s.from) {
			t.Errorf("FROM %s is not pinned to a full version", s.from)
		}
		byName[s.name] = s
	}
	web, build, final := byName["web"], byName["build"], stages[len(stages)-1]
	if !strings.HasPrefix(web.from, "node:") || !slices.Contains(web.all("RUN"), "npm ci --no-audit --no-fund") ||
		!slices.Contains(web.all("RUN"), "npm run build") {
		t.Errorf("no Node stage `web` that runs npm ci and npm run build: %+v", web)
	}
	if !slices.ContainsFunc(build.all("COPY"), func(a string) bool {
		return strings.HasPrefix(a, "--from=web ") && strings.HasSuffix(a, " ./web/static/dist")
	}) {
		t.Error("the Go stage does not copy the built client into web/static/dist (what web/embed.go embeds)")
	}
	if !slices.ContainsFunc(build.all("RUN"), func(a string) bool {
		return strings.Contains(a, "CGO_ENABLED=0 go build") && strings.Contains(a, "-X main.version=${VERSION}")
	}) {
		t.Error("the Go build does not stamp main.version")
	}
	main, err := os.ReadFile("main.go")
	if err != nil || !strings.Contains(string(main), "\nvar version = ") {
		t.Error("main.version, which the build stamps, is gone")
	}
	if u := final.all("USER"); len(u) != 1 || !regexp.MustCompile(`^[1-9]\d*:[1-9]\d*$`).MatchString(u[0]) {
		t.Errorf("runtime USER %v: want one numeric non-root uid:gid (Kubernetes runAsNonRoot checks numbers)", u)
	}
	if v := final.all("VOLUME"); !slices.Equal(v, []string{`["/data"]`}) {
		t.Errorf("runtime VOLUME %v, want only /data", v)
	}
	if !slices.ContainsFunc(final.all("ENV"), func(a string) bool { return strings.Contains(a, "FECHATTER_DATA_DIR=/data") }) {
		t.Error("FECHATTER_DATA_DIR is not the /data volume")
	}
	if !slices.ContainsFunc(final.all("COPY"), func(a string) bool {
		return strings.HasPrefix(a, "--from=build --chown=65532:65532 ") && strings.HasSuffix(a, " /data")
	}) {
		t.Error("/data is not owned by the runtime user (a fresh volume would not be writable)")
	}
	if h := final.all("HEALTHCHECK"); len(h) != 1 || !strings.Contains(h[0], `CMD ["/fechatter", "healthcheck"]`) {
		t.Errorf("runtime HEALTHCHECK %v, want `fechatter healthcheck`", h)
	}
	if e := final.all("ENTRYPOINT"); !slices.Equal(e, []string{`["/fechatter"]`}) {
		t.Errorf("ENTRYPOINT %v", e)
	}
}

// The build context never carries the local data dir (SQLite file, jwt.secret), .env, git
// history, dependencies or build output.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			rules = append(rules, l)
		}
	}
	for _, must := range []string{".git", ".env", "data/", "bin/", "web/node_modules/", "web/static/dist/"} {
		if !slices.Contains(rules, must) {
			t.Errorf(".dockerignore lacks %s", must)
		}
	}
	for _, r := range rules {
		if strings.HasPrefix(r, "!") {
			t.Errorf(".dockerignore re-includes %s", r)
		}
	}
}
