package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/blob"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

const testMaxUpload = 1 << 20

// backends runs fn on both stores and both storage backends.
func backends(t *testing.T, fn func(t *testing.T, s *ft.Server, bucket blobBucket)) {
	for _, store := range []string{"sqlite", "postgres"} {
		for _, storage := range []string{"local", "s3"} {
			t.Run(store+"/"+storage, func(t *testing.T) {
				var s3 blob.S3Config
				if storage == "s3" {
					s3 = ft.S3Bucket(t)
				}
				s := ft.Start(t, ft.Options{Postgres: store == "postgres", Tune: func(c *node.Config) {
					c.Files.MaxUpload, c.Files.S3 = testMaxUpload, s3
				}})
				var b blobBucket
				var err error
				if storage == "s3" {
					b, err = blob.NewS3(s3)
				} else {
					b, err = blob.NewDir(filepath.Join(s.Cfg.DataDir, "files"))
				}
				if err != nil {
					t.Fatal(err)
				}
				fn(t, s, b)
			})
		}
	}
}

type blobBucket interface {
	Exists(ctx context.Context, key string) (bool, error)
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func stored(t *testing.T, b blobBucket, data []byte) bool {
	t.Helper()
	s := sha(data)
	ok, err := b.Exists(t.Context(), "files/"+s[:2]+"/"+s)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a PNG whose header says width × height: image.DecodeConfig reads only that.
func bombPNG(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(data)>>24), byte(len(data)>>16), byte(len(data)>>8), byte(len(data))
		buf.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		c := crc.Sum32()
		buf.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	}
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 0, 0, 0, 0}
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1}) // a tiny zlib stream; never read
	chunk("IEND", nil)
	return buf.Bytes()
}

type upload struct {
	status int
	file   fechatter.File
	err    struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	header http.Header
}

func doUpload(t *testing.T, s *ft.Server, token string, chatID int64, name string, data []byte) upload {
	t.Helper()
	status, header, raw := s.Upload(t, token, chatID, name, data)
	u := upload{status: status, header: header}
	if status == http.StatusCreated {
		if err := json.Unmarshal(raw, &u.file); err != nil {
			t.Fatal(err)
		}
	} else if err := json.Unmarshal(raw, &u.err); err != nil {
		t.Fatalf("upload answer %d is not an envelope: %s", status, raw)
	}
	return u
}

type download struct {
	status int
	body   []byte
	header http.Header
}

func get(t *testing.T, s *ft.Server, path, token string, hdr ...string) download {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return download{resp.StatusCode, raw, resp.Header}
}

func links(t *testing.T, s *ft.Server, a ft.Account, ids ...int64) map[int64][2]string {
	t.Helper()
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = fmt.Sprint(id)
	}
	var out struct {
		Links []struct {
			ID           int64  `json:"id"`
			URL          string `json:"url"`
			ThumbnailURL string `json:"thumbnail_url"`
		} `json:"links"`
	}
	s.MustDo(t, http.StatusOK, "GET", "/api/v1/files/links?ids="+strings.Join(strs, ","), a.AccessToken, nil, &out)
	m := map[int64][2]string{}
	for _, l := range out.Links {
		m[l.ID] = [2]string{l.URL, l.ThumbnailURL}
	}
	return m
}

func metric(t *testing.T, s *ft.Server, name string) string {
	t.Helper()
	d := get(t, s, "/metrics", "")
	for _, line := range strings.Split(string(d.body), "\n") {
		if strings.HasPrefix(line, name+" ") {
			return strings.TrimPrefix(line, name+" ")
		}
	}
	return ""
}

func TestFiles(t *testing.T) {
	backends(t, func(t *testing.T, s *ft.Server, bucket blobBucket) {
		ann := s.Signup(t, "ann@acme.io", "acme")
		bob := s.Signup(t, "bob@acme.io", "acme")
		cat := s.Signup(t, "cat@acme.io", "acme")
		zed := s.Signup(t, "zed@other.io", "other")
		g := s.CreateChat(t, ann, fechatter.ChatGroup, "design", bob.User.ID, cat.User.ID)

		// Upload: sniffed type, size, dimensions, signed URLs.
		pic := pngBytes(t, 640, 480)
		up := doUpload(t, s, ann.AccessToken, g.ID, "../../photo.png", pic)
		if up.status != http.StatusCreated {
			t.Fatalf("upload: %d %+v", up.status, up.err)
		}
		f := up.file
		if f.Name != "photo.png" || f.Size != int64(len(pic)) || f.ContentType != "image/png" || f.SHA256 != sha(pic) ||
			f.Width != 640 || f.Height != 480 || !f.Thumbnail || f.URL == "" || f.ThumbnailURL == "" {
			t.Fatalf("uploaded file = %+v", f)
		}
		if !stored(t, bucket, pic) {
			t.Fatal("the bytes are not in storage")
		}
		if u := doUpload(t, s, zed.AccessToken, g.ID, "x.txt", []byte("hi")); u.status != http.StatusNotFound || u.err.Error.Code != "not_found" {
			t.Fatalf("stranger's upload: %d %+v", u.status, u.err)
		}
		if d := get(t, s, fmt.Sprintf("/api/v1/files/%d", f.ID), bob.AccessToken); d.status != http.StatusNotFound {
			t.Fatalf("another member read an unattached upload: %d", d.status)
		}

		// Send it over the socket, files only; Bob's socket gets the message with its file.
		bc := s.Dial(t, bob.AccessToken)
		bc.Ready()
		ac := s.Dial(t, ann.AccessToken)
		ac.Ready()
		ac.Send(map[string]any{"type": "send", "chat_id": g.ID, "client_id": "6f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "file_ids": []int64{f.ID}, "ref": 1})
		ack := ac.WaitFor(10*time.Second, ft.Type("ack"))
		if len(ack.Message.Files) != 1 || ack.Message.Files[0].ID != f.ID || ack.Message.Text != "" {
			t.Fatalf("ack = %+v", ack.Message)
		}
		ev := bc.WaitFor(10*time.Second, ft.Type("message"))
		if len(ev.Message.Files) != 1 || ev.Message.Files[0].Name != "photo.png" || ev.Message.Files[0].URL != "" {
			t.Fatalf("Bob's event = %+v (a broadcast carries no signed URL)", ev.Message)
		}
		if h := s.History(t, bob, g.ID); len(h) != 1 || len(h[0].Files) != 1 || h[0].Files[0].Width != 640 {
			t.Fatalf("history = %+v", h)
		}

		// Bob downloads the same bytes, by bearer and by a signed URL; Range and ETag work.
		path := fmt.Sprintf("/api/v1/files/%d", f.ID)
		d := get(t, s, path, bob.AccessToken)
		if d.status != 200 || !bytes.Equal(d.body, pic) || d.header.Get("X-Content-Type-Options") != "nosniff" ||
			d.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(d.header.Get("Content-Disposition"), "inline") {
			t.Fatalf("download: %d %v", d.status, d.header)
		}
		etag := d.header.Get("ETag")
		if d := get(t, s, path, bob.AccessToken, "Range", "bytes=10-19"); d.status != http.StatusPartialContent || !bytes.Equal(d.body, pic[10:20]) {
			t.Fatalf("range: %d %q", d.status, d.body)
		}
		if d := get(t, s, path, bob.AccessToken, "If-None-Match", etag); d.status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", d.status)
		}
		l := links(t, s, bob, f.ID, f.ID+1000)
		if len(l) != 1 || l[f.ID][0] == "" || l[f.ID][1] == "" {
			t.Fatalf("links = %v", l)
		}
		if d := get(t, s, l[f.ID][0], ""); d.status != 200 || !bytes.Equal(d.body, pic) {
			t.Fatalf("signed download: %d", d.status)
		}
		th := get(t, s, l[f.ID][1], "")
		if th.status != 200 || th.header.Get("Content-Type") != "image/png" {
			t.Fatalf("thumbnail: %d %v", th.status, th.header)
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(th.body)); err != nil || cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumbnail is %+v, %v; want 320×240", cfg, err)
		}

		// Strangers, tampered and expired links, removed members: 403/404.
		if d := get(t, s, path, zed.AccessToken); d.status != http.StatusNotFound {
			t.Fatalf("stranger's download: %d", d.status)
		}
		if d := get(t, s, strings.Replace(l[f.ID][0], fmt.Sprintf("u=%d", bob.User.ID), fmt.Sprintf("u=%d", zed.User.ID), 1), ""); d.status != http.StatusForbidden {
			t.Fatalf("tampered link: %d", d.status)
		}
		expired := s.Files.SignedURLUntil(f.ID, false, bob.User.ID, time.Now().Add(-time.Minute))
		if d := get(t, s, expired, ""); d.status != http.StatusForbidden || !strings.Contains(string(d.body), "expired") {
			t.Fatalf("expired link: %d %s", d.status, d.body)
		}
		if d := get(t, s, path, ""); d.status != http.StatusUnauthorized {
			t.Fatalf("no credentials: %d", d.status)
		}
		catLink := links(t, s, cat, f.ID)[f.ID][0]
		s.MustDo(t, http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/chats/%d/members/%d", g.ID, cat.User.ID), ann.AccessToken, nil, nil)
		if d := get(t, s, path, cat.AccessToken); d.status != http.StatusNotFound {
			t.Fatalf("removed member's download: %d", d.status)
		}
		if d := get(t, s, catLink, ""); d.status != http.StatusNotFound {
			t.Fatalf("removed member's signed link: %d", d.status)
		}

		// The same bytes again are stored once; search finds the message by its file name.
		again := doUpload(t, s, bob.AccessToken, g.ID, "copy.png", pic)
		if again.status != http.StatusCreated || again.file.SHA256 != f.SHA256 || again.file.ID == f.ID {
			t.Fatalf("second upload: %d %+v", again.status, again.file)
		}
		var hits struct {
			Hits []struct {
				Message fechatter.Message `json:"message"`
			} `json:"hits"`
		}
		s.MustDo(t, 200, "GET", "/api/v1/search?q=photo", bob.AccessToken, nil, &hits)
		if len(hits.Hits) != 1 || hits.Hits[0].Message.ID != ack.Message.ID {
			t.Fatalf("search by file name: %+v", hits)
		}

		// Deleting the message hides its file; the sweeper then frees bytes nobody refers to.
		s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", g.ID), bob.AccessToken,
			map[string]any{"client_id": "7f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "file_ids": []int64{again.file.ID}, "text": "mine too"}, nil)
		lone := []byte("a file only Ann ever sent")
		lf := doUpload(t, s, ann.AccessToken, g.ID, "notes.txt", lone).file
		ac.Send(map[string]any{"type": "send", "chat_id": g.ID, "client_id": "8f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "text": "notes", "file_ids": []int64{lf.ID}})
		lack := ac.WaitFor(10*time.Second, func(e ft.Event) bool {
			return e.Type == "ack" && len(e.Message.Files) == 1 && e.Message.Files[0].ID == lf.ID
		})
		for _, id := range []int64{ack.Message.ID, lack.Message.ID} {
			ac.Send(map[string]any{"type": "delete", "chat_id": g.ID, "message_id": id})
		}
		bc.WaitFor(10*time.Second, func(e ft.Event) bool { return e.Type == "message_deleted" && e.MessageID == lack.Message.ID })
		if d := get(t, s, path, bob.AccessToken); d.status != http.StatusNotFound {
			t.Fatalf("a deleted message's file: %d", d.status)
		}
		if err := s.Files.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if stored(t, bucket, lone) {
			t.Fatal("the sweeper left the bytes of a deleted message's only file")
		}
		if !stored(t, bucket, pic) {
			t.Fatal("the sweeper deleted bytes another message still uses")
		}
		if d := get(t, s, fmt.Sprintf("/api/v1/files/%d", again.file.ID), ann.AccessToken); d.status != 200 || !bytes.Equal(d.body, pic) {
			t.Fatalf("the shared bytes after a sweep: %d", d.status)
		}
	})
}

func TestUploadLimits(t *testing.T) {
	backends(t, func(t *testing.T, s *ft.Server, bucket blobBucket) {
		ann := s.Signup(t, "ann@acme.io", "acme")
		g := s.CreateChat(t, ann, fechatter.ChatGroup, "g")

		// Over the limit: 413 envelope, cut off while streaming, nothing stored or spooled.
		big := bytes.Repeat([]byte("0123456789abcdef"), testMaxUpload/16+1024)
		u := doUpload(t, s, ann.AccessToken, g.ID, "big.bin", big)
		if u.status != http.StatusRequestEntityTooLarge || u.err.Error.Code != "too_large" {
			t.Fatalf("oversized upload: %d %+v", u.status, u.err)
		}
		if stored(t, bucket, big) || stored(t, bucket, big[:testMaxUpload]) {
			t.Fatal("an oversized upload reached storage")
		}
		if left, _ := os.ReadDir(filepath.Join(s.Cfg.DataDir, "spool")); len(left) != 0 {
			t.Fatalf("spool keeps %d files", len(left))
		}
		used, err := s.Store.WorkspaceFileBytes(t.Context(), ann.User.WorkspaceID)
		if err != nil || used != 0 {
			t.Fatalf("workspace bytes = %d, %v", used, err)
		}

		// A 20,000 × 20,000 PNG is refused from its header: nothing is decoded.
		before := metric(t, s, "fechatter_file_thumbnails_total")
		bomb := bombPNG(20000, 20000)
		u = doUpload(t, s, ann.AccessToken, g.ID, "bomb.png", bomb)
		if u.status != http.StatusRequestEntityTooLarge || !strings.Contains(u.err.Error.Message, "20000 × 20000") {
			t.Fatalf("bomb: %d %+v", u.status, u.err)
		}
		if after := metric(t, s, "fechatter_file_thumbnails_total"); after != before || stored(t, bucket, bomb) {
			t.Fatalf("the bomb was decoded (%s → %s) or stored", before, after)
		}

		// HTML and SVG come back as attachments, never as markup.
		for name, body := range map[string]string{
			"page.html": "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
			"pic.svg":   `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
			"raw.svg":   `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		} {
			u := doUpload(t, s, ann.AccessToken, g.ID, name, []byte(body))
			if u.status != http.StatusCreated || u.file.Thumbnail || u.file.ThumbnailURL != "" {
				t.Fatalf("%s: %d %+v", name, u.status, u.file)
			}
			d := get(t, s, fmt.Sprintf("/api/v1/files/%d", u.file.ID), ann.AccessToken)
			ct := d.header.Get("Content-Type")
			if d.status != 200 || !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") ||
				strings.Contains(ct, "html") || strings.Contains(ct, "svg") || strings.Contains(ct, "xml") ||
				d.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(d.header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("%s served as %d %v", name, d.status, d.header)
			}
		}
	})
}

func TestQuotaAndGrace(t *testing.T) {
	s := ft.Start(t, ft.Options{Tune: func(c *node.Config) { c.Files.Quota, c.Files.Grace = 3000, time.Nanosecond }})
	ann := s.Signup(t, "ann@acme.io", "acme")
	g := s.CreateChat(t, ann, fechatter.ChatGroup, "g")
	if u := doUpload(t, s, ann.AccessToken, g.ID, "a", bytes.Repeat([]byte("a"), 2000)); u.status != http.StatusCreated {
		t.Fatalf("within quota: %d", u.status)
	}
	u := doUpload(t, s, ann.AccessToken, g.ID, "b", bytes.Repeat([]byte("b"), 2000))
	if u.status != http.StatusRequestEntityTooLarge || u.err.Error.Code != "quota_exceeded" {
		t.Fatalf("over quota: %d %+v", u.status, u.err)
	}
	// The unattached upload is collected once its grace is over, and frees the quota.
	if err := s.Files.Sweep(t.Context()); err != nil {
		t.Fatal(err)
	}
	if u := doUpload(t, s, ann.AccessToken, g.ID, "b", bytes.Repeat([]byte("b"), 2000)); u.status != http.StatusCreated {
		t.Fatalf("after the sweep: %d %+v", u.status, u.err)
	}
}
