package blob_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/fechatter/fechatter/internal/blob"
	"github.com/fechatter/fechatter/internal/blob/blobtest"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}

func TestDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Bucket {
		d, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestS3(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Bucket {
		s, err := blob.NewS3(ft.S3Bucket(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
