package hub_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the package's tests start must be gone when they end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
