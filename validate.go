package fechatter

import (
	"strings"
	"unicode/utf8"
)

// CheckText validates a message body as every transport and store must: valid UTF-8, not
// only whitespace, at most MaxTextRunes characters. Errors name the field "text".
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return Errorf(EInvalid, "field \"text\" is not valid UTF-8")
	}
	if strings.TrimSpace(s) == "" {
		return Errorf(EInvalid, "field \"text\" is empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return Errorf(ETooLarge, "field \"text\" has %d characters, the limit is %d", n, MaxTextRunes)
	}
	return nil
}

// ValidClientID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form, the only
// form a send's client_id may take.
func ValidClientID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
