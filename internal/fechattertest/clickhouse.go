package fechattertest

import (
	"context"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// ClickHouseAddr is the ClickHouse (native protocol) the tests use: .ci/clickhouse.sh
// serves one on 127.0.0.1:9000.
func ClickHouseAddr() string {
	if a := os.Getenv("FECHATTER_TEST_CLICKHOUSE_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:9000"
}

// ClickHouseURL returns the CLICKHOUSE_URL of a database no other test uses (created by
// whoever opens it), dropped when the test ends. Without a ClickHouse the test is skipped
// (failed under CI=true).
func ClickHouseURL(t testing.TB) string {
	t.Helper()
	return ClickHouseURLAt(t, ClickHouseAddr())
}

// ClickHouseURLAt is ClickHouseURL on the ClickHouse at addr.
func ClickHouseURLAt(t testing.TB, addr string) string {
	t.Helper()
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: 3 * time.Second})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = conn.Ping(ctx)
		cancel()
	}
	if err != nil {
		Unavailable(t, "ClickHouse at "+addr, err)
	}
	name := "fechatter_test_" + hex.EncodeToString(randomBytes(6))
	t.Cleanup(func() {
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" SYNC"); err != nil {
			t.Logf("drop clickhouse database %s: %v", name, err)
		}
	})
	return "clickhouse://" + addr + "/" + name
}
