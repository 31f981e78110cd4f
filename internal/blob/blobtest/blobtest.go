// Package blobtest is the conformance suite every blob storage backend passes.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/blob"
)

// Bucket is what the suite exercises: the methods the files package uses.
type Bucket interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Open(ctx context.Context, key string) (*blob.Object, error)
	Exists(ctx context.Context, key string) (bool, error)
	Delete(ctx context.Context, key string) error
}

// Run runs the suite; open returns an empty bucket and registers its cleanup.
func Run(t *testing.T, open func(t *testing.T) Bucket) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, b Bucket)
	}{
		{"PutOpen", testPutOpen},
		{"SeekAndRanges", testSeek},
		{"Replace", testReplace},
		{"Missing", testMissing},
		{"ShortReaderStoresNothing", testShort},
		{"BadKeys", testBadKeys},
		{"Large", testLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			tc.fn(t, ctx, open(t))
		})
	}
}

func read(t *testing.T, ctx context.Context, b Bucket, key string) []byte {
	t.Helper()
	obj, err := b.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if int64(len(data)) != obj.Size {
		t.Fatalf("read %d bytes, Size says %d", len(data), obj.Size)
	}
	return data
}

func put(t *testing.T, ctx context.Context, b Bucket, key string, data []byte) {
	t.Helper()
	if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "application/octet-stream"); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func testPutOpen(t *testing.T, ctx context.Context, b Bucket) {
	put(t, ctx, b, "sha256/ab/abcdef", []byte("hello, blob"))
	if got := read(t, ctx, b, "sha256/ab/abcdef"); string(got) != "hello, blob" {
		t.Fatalf("read %q", got)
	}
	ok, err := b.Exists(ctx, "sha256/ab/abcdef")
	if err != nil || !ok {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
	put(t, ctx, b, "empty", nil)
	if got := read(t, ctx, b, "empty"); len(got) != 0 {
		t.Fatalf("empty blob read %q", got)
	}
	if err := b.Delete(ctx, "sha256/ab/abcdef"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if ok, err := b.Exists(ctx, "sha256/ab/abcdef"); err != nil || ok {
		t.Fatalf("Exists after Delete = %v, %v", ok, err)
	}
}

func testSeek(t *testing.T, ctx context.Context, b Bucket) {
	data := []byte(strings.Repeat("0123456789", 1000))
	put(t, ctx, b, "seek", data)
	obj, err := b.Open(ctx, "seek")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	end, err := obj.Seek(0, io.SeekEnd)
	if err != nil || end != int64(len(data)) {
		t.Fatalf("Seek end = %d, %v", end, err)
	}
	if _, err := obj.Seek(5003, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(obj, buf); err != nil || string(buf) != "3456" {
		t.Fatalf("read at 5003 = %q, %v", buf, err)
	}
	if _, err := obj.Seek(-2, io.SeekEnd); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(obj)
	if err != nil || string(rest) != "89" {
		t.Fatalf("last two = %q, %v", rest, err)
	}
}

func testReplace(t *testing.T, ctx context.Context, b Bucket) {
	put(t, ctx, b, "k", []byte("one"))
	put(t, ctx, b, "k", []byte("two!"))
	if got := read(t, ctx, b, "k"); string(got) != "two!" {
		t.Fatalf("after replace: %q", got)
	}
}

func testMissing(t *testing.T, ctx context.Context, b Bucket) {
	if _, err := b.Open(ctx, "nothing/here"); !errors.Is(err, blob.ErrNotExist) {
		t.Fatalf("Open missing: %v, want ErrNotExist", err)
	}
	if err := b.Delete(ctx, "nothing/here"); err != nil {
		t.Fatalf("Delete missing: %v", err)
	}
}

// A reader that ends early (a client that broke off) stores nothing.
func testShort(t *testing.T, ctx context.Context, b Bucket) {
	err := b.Put(ctx, "short", io.LimitReader(rand.Reader, 100), 1000, "application/octet-stream")
	if err == nil {
		t.Fatal("Put of a short reader succeeded")
	}
	if ok, err := b.Exists(ctx, "short"); err != nil || ok {
		t.Fatalf("Exists after a failed Put = %v, %v", ok, err)
	}
}

func testBadKeys(t *testing.T, ctx context.Context, b Bucket) {
	for _, k := range []string{"", "../escape", "a//b", "/abs", "UPPER", "a/./b", "sp ace"} {
		if err := b.Put(ctx, k, bytes.NewReader([]byte("x")), 1, ""); err == nil {
			t.Fatalf("Put %q succeeded", k)
		}
	}
}

func testLarge(t *testing.T, ctx context.Context, b Bucket) {
	data := make([]byte, 20<<20)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	put(t, ctx, b, "large", data)
	if got := read(t, ctx, b, "large"); !bytes.Equal(got, data) {
		t.Fatalf("large blob differs (%d bytes read)", len(got))
	}
}
