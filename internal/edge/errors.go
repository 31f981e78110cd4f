package edge

import (
	"encoding/json"
	"net/http"

	"github.com/fechatter/fechatter"
)

const (
	forbidden = fechatter.EForbidden
	tooLarge  = fechatter.ETooLarge
	timedOut  = fechatter.ETimeout
	invalid   = fechatter.EInvalid
)

// writeError answers with the REST error envelope; the status is the one rest.StatusOf gives
// the code (a test in internal/node holds the two together).
func writeError(w http.ResponseWriter, status int, code, msg string) {
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	env.Error.Code, env.Error.Message = code, msg
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(env)
}
