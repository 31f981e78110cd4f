package files_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// cpu is the CPU time (user + system) this process has used: the node and the benchmark's
// client together, so "CPU per MB" is an upper bound on the server's share.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFiles uploads and downloads 1 MiB and 25 MiB files (random bytes: every upload is
// new content, so each is hashed, spooled and stored) on the embedded default (SQLite, the
// data dir's files/), through the real HTTP edge. It reports MB/s and CPU ms per MB.
//
//	go test ./files -run '^$' -bench BenchmarkFiles -benchtime 20x
func BenchmarkFiles(b *testing.B) {
	s := ft.Start(b, ft.Options{Tune: func(c *node.Config) { c.Files.MaxUpload = 26 << 20 }})
	ann := s.Signup(b, "ann@acme.io", "acme")
	g := s.CreateChat(b, ann, fechatter.ChatGroup, "bench")
	client := &http.Client{}
	for _, size := range []int{1 << 20, 25 << 20} {
		data := make([]byte, size)
		name := fmt.Sprintf("%dMiB", size>>20)
		var ids []int64
		b.Run("upload/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			c0 := cpu()
			for b.Loop() {
				b.StopTimer()
				rand.Read(data)
				var body bytes.Buffer
				mw := multipart.NewWriter(&body)
				fw, _ := mw.CreateFormFile("file", "bench.bin")
				fw.Write(data)
				mw.Close()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/chats/%d/files", s.URL, g.ID), &body)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+ann.AccessToken)
				b.StartTimer()
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatalf("upload: %v %v", err, resp)
				}
				var id int64
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				fmt.Sscanf(string(raw), `{"id":%d`, &id)
				ids = append(ids, id)
			}
			b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N*size>>20), "cpu-ms/MB")
		})
		b.Run("download/"+name, func(b *testing.B) {
			b.SetBytes(int64(size))
			c0 := cpu()
			i := 0
			for b.Loop() {
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/files/%d", s.URL, ids[i%len(ids)]), nil)
				req.Header.Set("Authorization", "Bearer "+ann.AccessToken)
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("download: %v %v", err, resp)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != int64(size) {
					b.Fatalf("downloaded %d bytes", n)
				}
				i++
			}
			b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N*size>>20), "cpu-ms/MB")
		})
	}
}
