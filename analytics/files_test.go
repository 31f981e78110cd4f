package analytics_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// uploadFile posts data as a file named name to a chat and returns the stored file (201).
func uploadFile(t *testing.T, s *ft.Server, token string, chatID int64, name string, data []byte) fechatter.File {
	t.Helper()
	status, _, raw := s.Upload(t, token, chatID, name, data)
	var f fechatter.File
	if status != http.StatusCreated || json.Unmarshal(raw, &f) != nil {
		t.Fatalf("upload %s: %d %s", name, status, raw)
	}
	return f
}

// fetch GETs path (a signed URL when token is empty) with header pairs and returns the status.
func fetch(t *testing.T, s *ft.Server, method, path, token string, hdr ...string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, s.URL+path, nil)
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
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Uploads and downloads land in ClickHouse as file_uploaded and file_downloaded events with
// the size and the content class, attributed to who did it, never with the file's name; a
// download counts once (not its thumbnail, a range continuation, a 304 or a HEAD).
func TestFileEvents(t *testing.T) {
	url := ft.ClickHouseURL(t)
	s, ch := startWithClickHouse(t, url)
	ws := "files-" + randomName()
	ann := s.Signup(t, "ann-"+randomName()+"@example.com", ws)
	bob := s.Signup(t, "bob-"+randomName()+"@example.com", ws)
	chat := s.CreateChat(t, ann, fechatter.ChatGroup, "files", bob.User.ID)

	const secret = "quarterly-salaries"
	text := []byte(strings.Repeat("confidential numbers\n", 50))
	doc := uploadFile(t, s, ann.AccessToken, chat.ID, secret+".txt", text)
	img := uploadFile(t, s, bob.AccessToken, chat.ID, secret+".png", pngImage(t))
	if !img.Thumbnail {
		t.Fatal("the PNG got no thumbnail")
	}
	for _, m := range []struct {
		a ft.Account
		f fechatter.File
	}{{ann, doc}, {bob, img}} { // attached to a message, a file is the chat's to read
		s.MustDo(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chat.ID), m.a.AccessToken,
			map[string]any{"client_id": uuid(), "file_ids": []int64{m.f.ID}, "text": "see attached"}, nil)
	}
	docPath := fmt.Sprintf("/api/v1/files/%d", doc.ID)
	for _, c := range []struct {
		name, method, path, token string
		hdr                       []string
		want                      int
	}{
		{"bob downloads the text (counted)", "GET", docPath, bob.AccessToken, nil, 200},
		{"a range from the start (counted)", "GET", docPath, bob.AccessToken, []string{"Range", "bytes=0-99"}, 206},
		{"its continuation", "GET", docPath, bob.AccessToken, []string{"Range", "bytes=100-"}, 206},
		{"not modified", "GET", docPath, bob.AccessToken, []string{"If-None-Match", `"` + doc.SHA256 + `"`}, 304},
		{"HEAD", "HEAD", docPath, bob.AccessToken, nil, 200},
		{"the image's thumbnail", "GET", fmt.Sprintf("/api/v1/files/%d/thumbnail", img.ID), ann.AccessToken, nil, 200},
		{"ann downloads the image (counted)", "GET", fmt.Sprintf("/api/v1/files/%d", img.ID), ann.AccessToken, nil, 200},
		{"bob opens it by its signed URL, made for him (counted)", "GET", strings.TrimPrefix(img.URL, s.URL), "", nil, 200},
	} {
		if got := fetch(t, s, c.method, c.path, c.token, c.hdr...); got != c.want {
			t.Fatalf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	// A last event after all of them: one node publishes in order, so once it has arrived
	// everything before it has too, and the counts below are final.
	s.MustDo(t, http.StatusAccepted, "POST", "/api/v1/analytics/events", ann.AccessToken,
		map[string]any{"events": []map[string]any{{"kind": "navigation", "page": "files-test-done"}}}, nil)
	ft.Eventually(t, 30*time.Second, func() string {
		if n := count(t, ch, "SELECT count() FROM %s.events WHERE page = 'files-test-done' AND user_id = ?", ann.User.ID); n != 1 {
			return "the closing event has not arrived"
		}
		return ""
	})

	type row struct {
		Kind   string `ch:"kind"`
		User   uint64 `ch:"user_id"`
		Chat   uint64 `ch:"chat_id"`
		Size   uint64 `ch:"size"`
		Code   string `ch:"code"`
		Upload bool   `ch:"timed"`
	}
	var rows []row
	err := ch.Conn().Select(t.Context(), &rows, fmt.Sprintf(`SELECT kind, user_id, chat_id, size, code, duration_ms > 0 AS timed
		FROM %s.events WHERE workspace_id = ? AND kind IN ('file_uploaded', 'file_downloaded')
		ORDER BY kind DESC, user_id, size`, ch.Database()), uint64(ann.User.WorkspaceID))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := uint64(ann.User.ID), uint64(bob.User.ID), uint64(chat.ID)
	want := []row{
		{"file_uploaded", a, c, uint64(len(text)), "text", true},
		{"file_uploaded", b, c, uint64(img.Size), "image", true},
		{"file_downloaded", a, c, uint64(img.Size), "image", false},
		{"file_downloaded", b, c, uint64(img.Size), "image", false},
		{"file_downloaded", b, c, uint64(len(text)), "text", false},
		{"file_downloaded", b, c, uint64(len(text)), "text", false},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("file events:\n got %v\nwant %v", rows, want)
	}
	if n := count(t, ch, `SELECT count() FROM %s.events WHERE workspace_id = ?
		AND positionCaseInsensitive(concat(code, page, ip, toString(props)), ?) > 0`, ann.User.WorkspaceID, secret); n != 0 {
		t.Fatalf("%d events carry the file's name", n)
	}
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{uint8(x * 4), 80, 200, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
