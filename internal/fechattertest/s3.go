package fechattertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/blob"
)

// The S3-compatible server tests use: versitygw, started by .ci/s3.sh on 127.0.0.1:7070 with
// these root credentials (FECHATTER_TEST_S3_ENDPOINT overrides the address).
const (
	S3AccessKey = "fechatter-ci"
	S3SecretKey = "fechatter-ci-secret-key"
)

// S3Endpoint is the test S3 server's URL.
func S3Endpoint() string {
	if v := os.Getenv("FECHATTER_TEST_S3_ENDPOINT"); v != "" {
		return v
	}
	return "http://127.0.0.1:7070"
}

// S3Bucket creates a uniquely named bucket on the test S3 server, removed with everything in
// it when the test ends, and returns its configuration. A missing server skips the test
// (fails under CI=true).
func S3Bucket(t testing.TB) blob.S3Config {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	cfg := blob.S3Config{Endpoint: S3Endpoint(), Bucket: "fechatter-test-" + hex.EncodeToString(b[:]), Region: "us-east-1",
		AccessKey: S3AccessKey, SecretKey: S3SecretKey, PathStyle: true}
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx, cfg.Region); err != nil {
		Unavailable(t, "S3 (versitygw, .ci/s3.sh)", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.RemoveBucket(ctx); err != nil {
			t.Errorf("remove bucket %s: %v", cfg.Bucket, err)
		}
	})
	return cfg
}
