// Command chlaunch runs a ClickHouse server from libchdb.so (the npm package
// @chdb/lib-linux-x64-gnu ships it) for tests and CI on machines without a ClickHouse
// package: it loads the library without cgo and calls its clickhouse-local entry point with
// arguments that open the TCP and HTTP listeners and keep the process serving until it gets
// SIGTERM or SIGINT.
//
//	chlaunch -lib /opt/fechatter-ci/clickhouse/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so \
//	         -path /tmp/ch -tcp 9000 -http 8123
//
// It binds 127.0.0.1 only: this server has no users and no passwords. It is a test tool,
// never linked into the fechatter binary.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
)

func main() {
	lib := flag.String("lib", os.Getenv("CHDB_LIB"), "path of libchdb.so (env CHDB_LIB)")
	path := flag.String("path", "", "data directory (kept across restarts)")
	tcp := flag.Int("tcp", 9000, "native protocol port on 127.0.0.1")
	http := flag.Int("http", 8123, "HTTP port on 127.0.0.1")
	flag.Parse()
	if *lib == "" || *path == "" {
		fmt.Fprintln(os.Stderr, "chlaunch: -lib and -path are required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*path, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "chlaunch:", err)
		os.Exit(1)
	}
	h, err := purego.Dlopen(*lib, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chlaunch: load", *lib+":", err)
		os.Exit(1)
	}
	var queryCmdline func(argc int32, argv **byte) uintptr
	purego.RegisterLibFunc(&queryCmdline, h, "chdb_query_cmdline")

	// SYSTEM START LISTEN opens the ports; the query after it never ends (one row per
	// second from a billion), so the server keeps serving until a signal ends the process.
	query := "--query=SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; " +
		"SELECT count() FROM numbers(1000000000) WHERE sleepEachRow(1) = 0 " +
		"SETTINGS max_block_size = 1, function_sleep_max_microseconds_per_block = 0"
	// Every table is loaded before the ports open (no asynchronous loading), so the first
	// insert after a restart finds its materialized views in place.
	config := filepath.Join(*path, "chlaunch.xml")
	if err := os.WriteFile(config, []byte("<clickhouse><async_load_databases>false</async_load_databases></clickhouse>\n"), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "chlaunch:", err)
		os.Exit(1)
	}
	// Warnings and worse (a fatal signal's stack trace among them) go to a log file beside
	// the data: clickhouse-local otherwise logs nothing.
	args := []string{"clickhouse", "--config-file=" + config, "--path=" + *path, "--listen_host=127.0.0.1",
		"--logger.log=" + filepath.Join(*path, "clickhouse.log"), "--log-level=warning",
		fmt.Sprintf("--tcp_port=%d", *tcp), fmt.Sprintf("--http_port=%d", *http), "--multiquery", query}
	cstrs := make([][]byte, len(args))
	argv := make([]*byte, len(args)+1)
	for i, a := range args {
		cstrs[i] = append([]byte(a), 0)
		argv[i] = &cstrs[i][0]
	}
	queryCmdline(int32(len(args)), &argv[0])
	runtime.KeepAlive(cstrs)
	runtime.KeepAlive(unsafe.Pointer(&argv[0]))
	fmt.Fprintln(os.Stderr, "chlaunch: clickhouse returned")
	os.Exit(1)
}
