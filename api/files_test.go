package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// fileScenario calls the file endpoints of the net/http edge (through http.DefaultClient,
// the validator) with their successes and refusals: upload, quota and size limits, links,
// downloads by bearer and signed URL, Range, ETag, and the 401/403/404 of each. The node runs
// with a 4 KiB upload limit and a 6000-byte workspace quota. cid is not in the chat.
func fileScenario(t *testing.T, s *ft.Server, chatID int64, ann, ben, cid ft.Account) {
	t.Helper()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	upload := fmt.Sprintf("/api/v1/chats/%d/files", chatID)
	pic := uploadFile(t, s, 201, upload, ann.AccessToken, "pic.png", img.Bytes())
	if pic.ThumbnailURL == "" || pic.URL == "" || pic.Width != 40 {
		t.Fatalf("uploaded image %+v: no thumbnail or URL", pic)
	}
	doc := uploadFile(t, s, 201, upload, ann.AccessToken, "page.html", bytes.Repeat([]byte("<p>hi</p>"), 300)) // 2700 bytes
	uploadFile(t, s, 413, upload, ann.AccessToken, "big.txt", bytes.Repeat([]byte("b"), 4097))                 // too_large
	uploadFile(t, s, 413, upload, ann.AccessToken, "more.txt", bytes.Repeat([]byte("q"), 4000))                // quota_exceeded
	uploadFile(t, s, 404, upload, cid.AccessToken, "x.txt", []byte("stranger"))
	uploadFile(t, s, 401, upload, "", "x.txt", []byte("nobody"))
	uploadFile(t, s, 400, upload, ann.AccessToken, "", nil) // no file field

	s.MustDo(t, 201, "POST", fmt.Sprintf("/api/v1/chats/%d/messages", chatID), ann.AccessToken,
		map[string]any{"client_id": "9f1c0a52-3b7e-4b1c-9d3e-0a1b2c3d4e5f", "file_ids": []int64{pic.ID, doc.ID}}, nil)

	var links struct {
		Links []struct {
			ID           int64
			URL          string
			ThumbnailURL string `json:"thumbnail_url"`
		}
	}
	s.MustDo(t, 200, "GET", fmt.Sprintf("/api/v1/files/links?ids=%d,%d,999999", pic.ID, doc.ID), ben.AccessToken, nil, &links)
	if len(links.Links) != 2 {
		t.Fatalf("links %+v, want the two files", links)
	}
	s.MustDo(t, 400, "GET", "/api/v1/files/links?ids=x", ben.AccessToken, nil, nil)
	s.MustDo(t, 401, "GET", fmt.Sprintf("/api/v1/files/links?ids=%d", pic.ID), "", nil, nil)

	file, thumb := fmt.Sprintf("/api/v1/files/%d", pic.ID), fmt.Sprintf("/api/v1/files/%d/thumbnail", pic.ID)
	got := download(t, s, 200, file, ben.AccessToken, nil)
	if !bytes.Equal(got.body, img.Bytes()) || got.header.Get("Content-Disposition") != `inline; filename=pic.png` {
		t.Fatalf("download: %d bytes, %v", len(got.body), got.header)
	}
	download(t, s, 200, links.Links[0].URL, "", nil)
	download(t, s, 200, links.Links[0].ThumbnailURL, "", nil)
	download(t, s, 200, thumb, ben.AccessToken, nil)
	download(t, s, 206, file, ben.AccessToken, http.Header{"Range": {"bytes=0-9"}})
	download(t, s, 304, file, ben.AccessToken, http.Header{"If-None-Match": {got.header.Get("ETag")}})
	download(t, s, 416, file, ben.AccessToken, http.Header{"Range": {"bytes=999999-"}})
	html := download(t, s, 200, fmt.Sprintf("/api/v1/files/%d", doc.ID), ben.AccessToken, nil)
	if html.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(html.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("an HTML file served as %v", html.header)
	}
	download(t, s, 404, fmt.Sprintf("/api/v1/files/%d/thumbnail", doc.ID), ben.AccessToken, nil) // none
	download(t, s, 404, file, cid.AccessToken, nil)                                              // not a member
	download(t, s, 401, file, "", nil)
	download(t, s, 403, strings.Replace(links.Links[0].URL, "s=", "s=x", 1), "", nil)
	download(t, s, 403, s.Files.SignedURLUntil(pic.ID, false, ben.User.ID, time.Now().Add(-time.Minute)), "", nil)
}

// uploadFile posts name and body as multipart field "file" (no file part when name is
// empty) and checks the status.
func uploadFile(t *testing.T, s *ft.Server, want int, path, token, name string, body []byte) fechatter.File {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if name != "" {
		w, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	} else {
		mw.WriteField("note", "no file here")
	}
	mw.Close()
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("upload %s: status %d, want %d: %s", name, resp.StatusCode, want, raw)
	}
	var out fechatter.File
	if want == http.StatusCreated {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("upload %s: %v", name, err)
		}
	}
	return out
}

type answer struct {
	header http.Header
	body   []byte
}

// download GETs path (a signed URL when token is empty) with the extra headers and checks
// the status.
func download(t *testing.T, s *ft.Server, want int, path, token string, h http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	return answer{resp.Header, body}
}
