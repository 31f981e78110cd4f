package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// Calls that fall back to the node's view are logged once per degradedEvery, each line with the
// number of calls since the one before, not a line per call.
func TestDegradedPresenceCallsAreLoggedOncePerPeriod(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	var d degradedLog
	err := errors.New("presence: redis unavailable: i/o timeout")
	start := time.Now()
	for i := range 1000 {
		d.note(log, start.Add(time.Duration(i)*time.Millisecond), "disconnect", err)
	}
	d.note(log, start.Add(degradedEvery), "connect", err)

	type line struct {
		Msg   string `json:"msg"`
		Calls int    `json:"calls"`
		Last  string `json:"last"`
	}
	var lines []line
	for _, b := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 || lines[0].Calls != 1 || lines[1].Calls != 1000 || lines[1].Last != "connect" {
		t.Fatalf("logged %+v; want the first call at once, then one line for the next 1,000", lines)
	}
}
