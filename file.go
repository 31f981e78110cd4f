package fechatter

import (
	"strings"
	"time"
	"unicode/utf8"
)

// File is an upload to a chat. Its bytes live in blob storage under their SHA-256 (the same
// bytes are stored once, whoever uploads them); the row says who uploaded it where, under
// which name. A file is attached to at most one message (MessageID), by the message's sender,
// in the chat it was uploaded to; one never attached is collected after a grace period.
type File struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"-"`
	ChatID      int64     `json:"chat_id"`
	UploaderID  int64     `json:"uploader_id"`
	MessageID   int64     `json:"message_id,omitempty"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"` // sniffed from the bytes, never the client's word
	SHA256      string    `json:"sha256"`       // hex
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	Thumbnail   bool      `json:"thumbnail,omitempty"` // a preview image exists
	CreatedAt   time.Time `json:"created_at"`
	// URL and ThumbnailURL are short-lived signed links for the user an answer is for; they
	// are never stored and never part of a broadcast event (see docs/rest.md).
	URL          string `json:"url,omitempty"`
	ThumbnailURL string `json:"thumbnail_url,omitempty"`
}

// Limits of files.
const (
	MaxFilesPerMessage = 10
	MaxFileName        = 255 // characters
)

// CleanFileName makes a client's file name safe to store and show: the base name only, no
// control characters, at most MaxFileName characters; "file" when nothing is left.
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if utf8.RuneCountInString(name) > MaxFileName {
		name = string([]rune(name)[:MaxFileName])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// CheckSend validates a message's body and attachments as every transport and store must: a
// message has text (see CheckText) or files, or both; at most MaxFilesPerMessage distinct files.
func CheckSend(text string, fileIDs []int64) error {
	if len(fileIDs) > MaxFilesPerMessage {
		return Errorf(ETooLarge, "field \"file_ids\" has %d files, the limit is %d", len(fileIDs), MaxFilesPerMessage)
	}
	seen := make(map[int64]bool, len(fileIDs))
	for _, id := range fileIDs {
		if id <= 0 || seen[id] {
			return Errorf(EInvalid, "field \"file_ids\" must hold distinct positive file ids")
		}
		seen[id] = true
	}
	if len(fileIDs) > 0 && strings.TrimSpace(text) == "" {
		if !utf8.ValidString(text) {
			return Errorf(EInvalid, "field \"text\" is not valid UTF-8")
		}
		return nil
	}
	return CheckText(text)
}

// ErrBadFiles answers a send naming a file the sender may not attach: unknown, another chat's,
// someone else's upload, or already attached. One answer, so a guess learns nothing.
func ErrBadFiles() *Error {
	return Errorf(EInvalid, "field \"file_ids\" names a file that is not your unattached upload to this chat")
}

// FileNames is what search indexes of a message's files: their names, one per line.
func FileNames(files []File) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.Name
	}
	return strings.Join(names, "\n")
}

// CheckQuota fails with EQuota when size more bytes would take the workspace's used bytes
// past quota.
func CheckQuota(used, size, quota int64) error {
	if used+size > quota {
		return Errorf(EQuota, "the workspace's file storage is full: %d of %d bytes used, this file needs %d", used, quota, size)
	}
	return nil
}
