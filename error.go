package fechatter

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Error codes. They are part of the wire contract: REST error envelopes and WebSocket error
// frames carry them verbatim, so never rename one.
const (
	EInvalid      = "invalid_input"  // the request is malformed or a field is wrong
	EUnauthorized = "unauthorized"   // missing, invalid or expired credentials
	EForbidden    = "forbidden"      // authenticated, but not allowed
	ENotFound     = "not_found"      // no such object (or not visible to the caller)
	EConflict     = "conflict"       // the request clashes with existing state
	ETooLarge     = "too_large"      // a body, frame or field is over its limit
	ERateLimited  = "rate_limited"   // slow down
	ETimeout      = "timeout"        // the request did not arrive in time (a stalled body)
	EUnavailable  = "unavailable"    // a dependency is down; retry later, nothing was stored
	EInternal     = "internal_error" // a bug or an unexpected failure; details are only logged
	EQuota        = "quota_exceeded" // the workspace's file storage is full
	EOverloaded   = "overloaded"     // the node is past capacity; nothing was stored; retry after the hint
)

// Error is the application error: a stable machine code and a message safe to show a client.
// Anything that is not an *Error reaching a transport is reported as EInternal and logged.
type Error struct {
	Code    string
	Message string
	// RetryAfter tells a rate-limited client when to try again (REST: the Retry-After
	// header); zero when unknown.
	RetryAfter time.Duration

	what string // an overload refusal's subject, to word it again with a longer wait (Later)
}

func (e *Error) Error() string { return fmt.Sprintf("fechatter: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// RateLimited returns an ERateLimited error saying what was refused and when to retry.
func RateLimited(retryAfter time.Duration, what string) *Error {
	e := &Error{Code: ERateLimited, RetryAfter: retryAfter}
	e.Message = fmt.Sprintf("%s; retry in %ds", what, e.RetryAfterSeconds())
	return e
}

// Overloaded returns an EOverloaded error: the node refused the request at once because it is
// behind by more than its budget, and retryAfter is when to try again (same client_id).
func Overloaded(retryAfter time.Duration, what string) *Error {
	e := &Error{Code: EOverloaded, RetryAfter: retryAfter, what: what}
	e.Message = fmt.Sprintf("%s; the server is overloaded, retry in %dms", what, retryAfter.Milliseconds())
	return e
}

// Later is the same overload refusal with the wait retryAfter instead.
func (e *Error) Later(retryAfter time.Duration) *Error { return Overloaded(retryAfter, e.what) }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up (at least 1 when set): what a
// Retry-After header carries.
func (e *Error) RetryAfterSeconds() int {
	if e.RetryAfter <= 0 {
		return 0
	}
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// ErrorCode returns the code of the *Error in err's chain, EInternal for any other error and ""
// for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err: the *Error's message, or a generic text
// for anything else so internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// httpStatus is the HTTP status of each error code, for every HTTP surface (the REST API and
// the file endpoints): one table, so the two cannot disagree.
var httpStatus = map[string]int{
	EInvalid:      http.StatusBadRequest,
	EUnauthorized: http.StatusUnauthorized,
	EForbidden:    http.StatusForbidden,
	ENotFound:     http.StatusNotFound,
	EConflict:     http.StatusConflict,
	ETooLarge:     http.StatusRequestEntityTooLarge,
	ETimeout:      http.StatusRequestTimeout,
	ERateLimited:  http.StatusTooManyRequests,
	EUnavailable:  http.StatusServiceUnavailable,
	EInternal:     http.StatusInternalServerError,
	EQuota:        http.StatusRequestEntityTooLarge,
	EOverloaded:   http.StatusServiceUnavailable,
}

// ErrorCodes lists every error code, sorted: what the API documents must name.
func ErrorCodes() []string {
	codes := make([]string, 0, len(httpStatus))
	for c := range httpStatus {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// HTTPStatus is the HTTP status of an error code; unknown codes are 500.
func HTTPStatus(code string) int {
	if s, ok := httpStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}
