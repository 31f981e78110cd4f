package history_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// bin is the fechatter binary under test: a debug build (-tags faultinject), which behaves as
// the release build unless FECHATTER_FAULT_* variables ask it to misbehave.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fechatter-history")
	if err != nil {
		panic(err)
	}
	bin, err = ft.BuildBinary(dir, "../..", "faultinject")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreTopFunction("github.com/nats-io/nats-server/v2/server.(*Server).Start.func1")); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
