package hub_test

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the package's tests start must be gone when they end. Keep-alive
// connections the tests' HTTP client still holds (to nodes a test stopped without draining,
// as a crash does) are closed first: they are the client's pool, not the hub's goroutines.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		http.DefaultClient.CloseIdleConnections()
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on a successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
