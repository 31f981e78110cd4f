package assistant_test

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/assistant"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
	"github.com/fechatter/fechatter/openai/openaitest"
)

const benchTokens = 200

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAnswer streams answers of 200 tokens from a stand-in through a whole node (store,
// hub worker, NATS, one WebSocket member receiving) and reports the process's CPU per token
// and per answer. "every-token" publishes a stream event per token (the worst case);
// "throttled" the default interval; "no-stream" none: their difference is what the live
// stream costs the hub. The stand-in and the client share the process, so the absolute
// numbers are an upper bound; the differences between the sub-benchmarks are the hub's.
func BenchmarkAnswer(b *testing.B) {
	for _, bc := range []struct {
		name     string
		interval time.Duration
	}{{"every-token", time.Nanosecond}, {"throttled-150ms", 150 * time.Millisecond}, {"no-stream", time.Hour}} {
		b.Run(bc.name, func(b *testing.B) {
			toks := openaitest.Tokens(strings.Repeat("word ", benchTokens))
			model := openaitest.New(b, func(int, openaitest.Received) openaitest.Reply {
				return openaitest.Reply{Tokens: toks, Delay: 50 * time.Microsecond}
			})
			srv := ft.Start(b, ft.Options{Tune: func(c *node.Config) {
				c.Assistant = node.AssistantConfig{URL: model.URL, Model: "standin-1", StreamInterval: bc.interval, UserQuota: -1, WorkspaceQuota: -1}
			}})
			ann := srv.Signup(b, "ann@example.com", "acme")
			ben := srv.Signup(b, "ben@example.com", "acme")
			var info assistant.Info
			srv.MustDo(b, http.StatusOK, "GET", "/api/v1/assistant", ann.AccessToken, nil, &info)
			chat := srv.CreateChat(b, ann, fechatter.ChatGroup, "bench", ben.User.ID, info.Bot.ID)
			ws := srv.Dial(b, ben.AccessToken)
			ws.Ready()
			path := fmt.Sprintf("/api/v1/chats/%d/ask", chat.ID)
			streams := 0
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				var out struct{ Message fechatter.Message }
				for {
					code, _ := srv.Do(b, "POST", path, ann.AccessToken, map[string]any{"text": "go"}, &out)
					if code == http.StatusAccepted {
						break
					}
					if code != http.StatusTooManyRequests { // the previous answer's slot not yet free
						b.Fatalf("ask: %d", code)
					}
				}
				ws.WaitFor(30*time.Second, func(e ft.Event) bool {
					if e.Type == "stream" {
						streams++
					}
					return e.Type == "message_edited" && e.Message.ID == out.Message.ID
				})
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*benchTokens), "cpu-ns/token")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/answer")
			b.ReportMetric(float64(streams)/float64(b.N), "stream-events/answer")
		})
	}
}
