package openai

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

type chunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage       `json:"usage"`
	Error *errorObject `json:"error"`
}

// readStream reads server-sent events until data: [DONE]. Lines other than data: (comments,
// event:, id:, keep-alives) are skipped; an event's data may span several data: lines.
func readStream(r io.Reader, wd *watchdog, onDelta func(string) error) (Result, error) {
	var res Result
	var text strings.Builder
	var chunks int
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var data []string
	flush := func() (done bool, err error) {
		if len(data) == 0 {
			return false, nil
		}
		payload := strings.Join(data, "\n")
		data = data[:0]
		if strings.TrimSpace(payload) == "[DONE]" {
			return true, nil
		}
		var ch chunk
		if err := json.Unmarshal([]byte(payload), &ch); err != nil {
			return false, fmt.Errorf("openai: bad chunk %q: %w", truncate(payload, 80), err)
		}
		if ch.Error != nil {
			return false, &Error{Message: ch.Error.Message, Type: ch.Error.kind()}
		}
		if ch.Usage != nil {
			res.Usage = *ch.Usage
		}
		for _, c := range ch.Choices {
			if c.FinishReason != nil && *c.FinishReason != "" {
				res.FinishReason = *c.FinishReason
			}
			if c.Delta.Content == "" {
				continue
			}
			chunks++
			text.WriteString(c.Delta.Content)
			if err := onDelta(c.Delta.Content); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	finish := func() Result {
		res.Text = text.String()
		if res.Usage.CompletionTokens == 0 && chunks > 0 {
			res.Usage.CompletionTokens, res.Estimated = chunks, true
		}
		return res
	}
	for sc.Scan() {
		wd.reset(0)
		line := sc.Text()
		switch {
		case line == "":
			done, err := flush()
			if err != nil {
				return finish(), err
			}
			if done {
				return finish(), nil
			}
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if err := sc.Err(); err != nil {
		return finish(), fmt.Errorf("openai: read stream: %w", err)
	}
	if done, err := flush(); err != nil || done {
		return finish(), err
	}
	if res.FinishReason != "" { // some servers close right after the last chunk
		return finish(), nil
	}
	return finish(), ErrTruncated
}

// watchdog calls fire when reset is not called within its period.
type watchdog struct {
	mu     sync.Mutex
	t      *time.Timer
	period time.Duration
}

func newWatchdog(d time.Duration, fire func()) *watchdog {
	return &watchdog{t: time.AfterFunc(d, fire), period: d}
}

// reset restarts the period (d > 0 sets a new one).
func (w *watchdog) reset(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if d > 0 {
		w.period = d
	}
	w.t.Reset(w.period)
}

func (w *watchdog) stop() { w.t.Stop() }
