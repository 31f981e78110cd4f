package blob

import (
	"errors"
	"io"
	"strings"
	"time"
)

// ErrNotExist is returned (wrapped) by Open for a key that holds nothing.
var ErrNotExist = errors.New("blob: not found")

// Object is an open blob: readable and seekable (ranges are served from it), with its size.
type Object struct {
	io.ReadSeekCloser
	Size    int64
	ModTime time.Time
}

// validKey reports whether key is safe as a relative path and an object name: non-empty
// segments of [a-z0-9._-] separated by "/", none of them "." or "..".
func validKey(key string) bool {
	if key == "" || len(key) > 512 {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

var errBadKey = errors.New("blob: invalid key")
