package assistant_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/assistant"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/openai/openaitest"
)

// TestNodeKilledMidAnswer: the real binary is killed (SIGKILL) while an answer streams; the
// answer is never left streaming: after the restart the sweeper marks it failed, and a
// client that reconnects gets that end as a timeline event.
func TestNodeKilledMidAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin, err := ft.BuildBinary(dir, "..")
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	defer close(hold)
	model := openaitest.New(t, func(int, openaitest.Received) openaitest.Reply {
		return openaitest.Reply{Tokens: []string{"Half ", "way"}, Hold: hold, HoldAfter: 1}
	})
	p := ft.StartProc(t, bin, "FECHATTER_AI_URL="+model.URL, "FECHATTER_AI_MODEL=standin-1", "FECHATTER_AI_TIMEOUT=1s",
		"FECHATTER_AI_SWEEP_INTERVAL=200ms", "FECHATTER_AI_STREAM_INTERVAL=10ms", "FECHATTER_AUTH_PER_MINUTE=0")
	srv := &ft.Server{URL: "http://" + p.Addr(), WSURL: "ws://" + p.Addr() + "/ws"}
	srv.Cfg.DataDir = dir
	ann := srv.Signup(t, "ann@example.com", "acme")
	var info assistant.Info
	srv.MustDo(t, http.StatusOK, "GET", "/api/v1/assistant", ann.AccessToken, nil, &info)
	dm := srv.CreateChat(t, ann, fechatter.ChatDirect, "", info.Bot.ID)
	ws := srv.Dial(t, ann.AccessToken)
	ws.Ready()
	var out struct{ Message fechatter.Message }
	srv.MustDo(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/chats/%d/ask", dm.ID), ann.AccessToken, map[string]any{"text": "go?"}, &out)
	ws.WaitFor(wait, ft.Type("stream")) // the model is mid-answer
	p.Kill()

	p.Start()
	srv.URL, srv.WSURL = "http://"+p.Addr(), "ws://"+p.Addr()+"/ws"
	ws2 := srv.Dial(t, ann.AccessToken)
	ws2.Ready()
	end := ws2.WaitFor(wait+sweepWait, func(e ft.Event) bool { return e.Type == "message_edited" && e.Message.ID == out.Message.ID })
	if end.Message.State != fechatter.StateFailed || end.Message.Text == "" {
		t.Fatalf("after the crash the answer ended as %+v", end.Message)
	}
	// The sweeper logs after it stored (and so published) the end: wait for the line.
	ft.Eventually(t, wait, func() string {
		if strings.Contains(p.Logs(), "answer left streaming marked failed") {
			return ""
		}
		return "the sweep in the logs:\n" + p.Logs()
	})
}

// sweepWait is the answer timeout (1s) plus the sweeper's default grace (10s).
const sweepWait = 11 * time.Second
