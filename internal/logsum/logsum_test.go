package logsum_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/logsum"
)

// A warning recurring 1,000 times within a period is one line at the first occurrence and one
// with the count at the first occurrence after the period, not 1,000 lines.
func TestEveryLogsOncePerPeriodWithTheCount(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	e := logsum.Every{Period: time.Second}
	start := time.Now()
	for i := range 1000 {
		e.Warn(log, start.Add(time.Duration(i)*time.Microsecond), "degraded", "op", "disconnect")
	}
	e.Warn(log, start.Add(time.Second), "degraded", "op", "connect")

	type line struct {
		Msg   string `json:"msg"`
		Op    string `json:"op"`
		Count int    `json:"count"`
	}
	var lines []line
	for _, b := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	want := []line{{"degraded", "disconnect", 1}, {"degraded", "connect", 1000}}
	if len(lines) != len(want) || lines[0] != want[0] || lines[1] != want[1] {
		t.Fatalf("logged %+v, want %+v", lines, want)
	}
}
