package sqlite

import "github.com/fechatter/fechatter"

// invalid is an EInvalid error; the input rules themselves live in package fechatter, shared
// with the other store.
func invalid(format string, args ...any) error {
	return fechatter.Errorf(fechatter.EInvalid, format, args...)
}
