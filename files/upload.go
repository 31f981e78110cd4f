package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"github.com/fechatter/fechatter"
)

// multipartSlack is what a multipart body may carry besides the file: boundaries, part
// headers, a few small fields.
const multipartSlack = 64 << 10

// upload answers POST /api/v1/chats/{id}/files: 201 with the stored file and its signed URLs.
// The body streams to a spool file while its SHA-256 is computed, and is cut off at
// MaxUpload (413, the spool file removed, the connection closed); nothing reaches storage
// or the store before the whole file has arrived and passed its checks.
func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	err := s.doUpload(w, r)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			err = fechatter.Errorf(fechatter.ETooLarge, "the file is larger than %d bytes", s.cfg.MaxUpload)
		}
		if fechatter.ErrorCode(err) == fechatter.ETooLarge {
			w.Header().Set("Connection", "close") // the rest of the body is not read
		}
		s.m.uploads.WithLabelValues(fechatter.ErrorCode(err)).Inc()
		s.fail(w, r, err)
	}
}

func (s *Service) doUpload(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.UploadTimeout)
	defer cancel()
	user, err := s.bearer(ctx, r)
	if err != nil {
		return err
	}
	chatID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if r.ContentLength > s.cfg.MaxUpload+multipartSlack {
		return errTooLarge
	}
	// Refuse a stranger before reading a byte of the body (CreateFile checks again).
	if _, err := s.cfg.Store.Member(ctx, chatID, user.ID); err != nil {
		return err
	}
	// The server's ReadTimeout is meant for small API bodies; a file gets UploadTimeout.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.UploadTimeout))
	part, err := filePart(r)
	if err != nil {
		return err
	}
	sp, err := s.spool(part)
	if err != nil {
		return err
	}
	defer sp.remove()
	f := fechatter.File{ChatID: chatID, UploaderID: user.ID, Name: fechatter.CleanFileName(part.FileName()),
		Size: sp.size, ContentType: http.DetectContentType(sp.head), SHA256: sp.sha}
	var thumb []byte
	if Inline(f.ContentType) {
		if thumb, err = s.preview(sp, &f); err != nil {
			return err
		}
	}
	if f, err = s.cfg.Store.CreateFile(ctx, f, s.cfg.Quota); err != nil {
		return err
	}
	if err := s.storeBlobs(ctx, f, sp, thumb); err != nil {
		if derr := s.cfg.Store.DeleteFile(context.WithoutCancel(ctx), f.ID, user.ID); derr != nil {
			s.log.Error("files: forgetting a file whose bytes were not stored", "file", f.ID, "err", derr)
		}
		s.log.Error("files: storing an upload", "file", f.ID, "err", err)
		return fechatter.Errorf(fechatter.EUnavailable, "file storage is unavailable; try again")
	}
	s.m.uploads.WithLabelValues("ok").Inc()
	s.m.uploadBytes.Add(float64(f.Size))
	ev := fechatter.FileUsage(fechatter.UsageFileUploaded, f, user.ID)
	ev.DurationMs = float64(time.Since(start).Microseconds()) / 1000
	s.track(ev)
	writeJSON(w, http.StatusCreated, s.withURLs(f, user.ID))
	return nil
}

// filePart returns the multipart part named "file", skipping (a few, small) others.
func filePart(r *http.Request) (*multipart.Part, error) {
	bad := fechatter.Errorf(fechatter.EInvalid, "the body must be multipart/form-data with the file in field \"file\"")
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, bad
	}
	for range 8 {
		part, err := mr.NextPart()
		if err != nil {
			return nil, bad
		}
		if part.FormName() == "file" {
			return part, nil
		}
		if _, err := io.Copy(io.Discard, io.LimitReader(part, 4<<10)); err != nil {
			return nil, bad
		}
	}
	return nil, bad
}

// spooled is an upload on local disk, read back for checks, the preview and storage.
type spooled struct {
	f    *os.File
	size int64
	sha  string
	head []byte // the first 512 bytes, for sniffing
}

func (s *Service) spool(part io.Reader) (*spooled, error) {
	f, err := os.CreateTemp(s.cfg.SpoolDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("files: spool: %w", err)
	}
	sp := &spooled{f: f}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, s.cfg.MaxUpload+1))
	switch {
	case err != nil:
		sp.remove()
		return nil, fechatter.Errorf(fechatter.EInvalid, "the upload broke off")
	case n > s.cfg.MaxUpload:
		sp.remove()
		return nil, errTooLarge
	}
	sp.size, sp.sha = n, hex.EncodeToString(h.Sum(nil))
	sp.head = make([]byte, min(n, 512))
	if _, err := f.ReadAt(sp.head, 0); err != nil {
		sp.remove()
		return nil, fmt.Errorf("files: spool: %w", err)
	}
	return sp, nil
}

// reader reads the spooled file from its start.
func (sp *spooled) reader() io.Reader { return io.NewSectionReader(sp.f, 0, sp.size) }

func (sp *spooled) remove() {
	sp.f.Close()
	os.Remove(sp.f.Name())
}

// preview checks an image's size from its header and makes its thumbnail. A bomb (too many
// pixels) is refused before anything is decoded; an image that fails to decode is kept as a
// plain file without a preview.
func (s *Service) preview(sp *spooled, f *fechatter.File) ([]byte, error) {
	w, h, err := imageSize(sp.reader(), s.cfg.MaxPixels)
	if err != nil {
		return nil, err
	}
	f.Width, f.Height = w, h
	s.thumbs <- struct{}{}
	defer func() { <-s.thumbs }()
	s.m.thumbnails.Inc()
	thumb, err := thumbnail(sp.reader(), f.ContentType, s.cfg.ThumbSize)
	if err != nil {
		s.log.Info("files: no thumbnail", "name", f.Name, "err", err)
		return nil, nil
	}
	f.Thumbnail = true
	return thumb, nil
}

// storeBlobs puts the bytes and the preview in the bucket unless they are there already (the
// same bytes were uploaded before): content addressing stores them once.
func (s *Service) storeBlobs(ctx context.Context, f fechatter.File, sp *spooled, thumb []byte) error {
	ok, err := s.cfg.Bucket.Exists(ctx, blobKey(f.SHA256))
	if err != nil {
		return err
	}
	if !ok {
		if err := s.cfg.Bucket.Put(ctx, blobKey(f.SHA256), sp.reader(), sp.size, f.ContentType); err != nil {
			return err
		}
	}
	if thumb != nil {
		if err := s.cfg.Bucket.Put(ctx, thumbKey(f.SHA256), bytes.NewReader(thumb), int64(len(thumb)), ""); err != nil {
			return err
		}
	}
	return nil
}
