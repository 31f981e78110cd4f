package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/fechatter/fechatter"
)

// A signed URL names a file (or its thumbnail), the user it was made for and when it
// expires; its signature is an HMAC-SHA256 of the three under Config.Key. It stands in for
// the bearer token where a browser cannot send one (<img src>, a download link). It proves
// who asked, not that they still may: every download checks membership again.

func (s *Service) signature(fileID int64, thumb bool, userID, exp int64) string {
	mac := hmac.New(sha256.New, s.cfg.Key)
	fmt.Fprintf(mac, "fechatter-file-v1|%d|%t|%d|%d", fileID, thumb, userID, exp)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:20])
}

// SignedURL returns the path of a signed URL of the file for userID, and when it expires.
func (s *Service) SignedURL(fileID int64, thumb bool, userID int64) (string, time.Time) {
	exp := s.cfg.Now().Add(s.cfg.URLTTL).Truncate(time.Second)
	return s.SignedURLUntil(fileID, thumb, userID, exp), exp
}

// SignedURLUntil is SignedURL with a chosen expiry.
func (s *Service) SignedURLUntil(fileID int64, thumb bool, userID int64, exp time.Time) string {
	path := fmt.Sprintf("/api/v1/files/%d", fileID)
	if thumb {
		path += "/thumbnail"
	}
	q := url.Values{"u": {strconv.FormatInt(userID, 10)}, "e": {strconv.FormatInt(exp.Unix(), 10)},
		"s": {s.signature(fileID, thumb, userID, exp.Unix())}}
	return path + "?" + q.Encode()
}

// verify checks a signed URL's query and returns the user it was made for: 403 for a wrong
// signature or an expired link.
func (s *Service) verify(q url.Values, fileID int64, thumb bool) (int64, error) {
	user, err1 := strconv.ParseInt(q.Get("u"), 10, 64)
	exp, err2 := strconv.ParseInt(q.Get("e"), 10, 64)
	if err1 != nil || err2 != nil || !hmac.Equal([]byte(q.Get("s")), []byte(s.signature(fileID, thumb, user, exp))) {
		return 0, fechatter.Errorf(fechatter.EForbidden, "invalid file link")
	}
	if s.cfg.Now().Unix() >= exp {
		return 0, fechatter.Errorf(fechatter.EForbidden, "file link expired; ask for a new one")
	}
	return user, nil
}

// withURLs fills a file's signed URLs for userID.
func (s *Service) withURLs(f fechatter.File, userID int64) fechatter.File {
	f.URL, _ = s.SignedURL(f.ID, false, userID)
	if f.Thumbnail {
		f.ThumbnailURL, _ = s.SignedURL(f.ID, true, userID)
	}
	return f
}
