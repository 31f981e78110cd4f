package loadtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestK6ScriptsParse checks the k6 scripts are valid JavaScript modules with node, since k6
// itself cannot be installed here. Skipped without node.
func TestK6ScriptsParse(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	files, _ := filepath.Glob("k6/*.js")
	if len(files) < 2 {
		t.Fatalf("want the k6 scripts in k6/, found %v", files)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		mjs := filepath.Join(t.TempDir(), filepath.Base(f)+".mjs") // parse as an ES module
		if err := os.WriteFile(mjs, src, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(node, "--check", mjs).CombinedOutput(); err != nil {
			t.Errorf("%s does not parse: %v\n%s", f, err, out)
		}
	}
}
