package main_test

import (
	"context"
	"net"
	"os/exec"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// `fechatter healthcheck` is the image's HEALTHCHECK: exit 0 while the node answers, non-zero
// when it is gone or (with -ready) draining.
func TestHealthcheckCommand(t *testing.T) {
	s := ft.Start(t, ft.Options{})
	run := func(args ...string) error {
		return exec.Command(bin, append([]string{"healthcheck"}, args...)...).Run()
	}
	if err := run("-url", s.URL+"/healthz"); err != nil {
		t.Fatalf("healthy node: %v", err)
	}
	_, port, _ := net.SplitHostPort(s.Addr())
	cmd := exec.Command(bin, "healthcheck", "-ready")
	cmd.Env = []string{"FECHATTER_ADDR=:" + port}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ready node through FECHATTER_ADDR: %v: %s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := run("-url", s.URL+"/healthz", "-timeout", "1s"); err == nil {
		t.Fatal("healthcheck passed against a stopped node")
	}
}
