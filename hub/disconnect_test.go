package hub_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter/hub"
)

// wantAdvice pins what a client is told to do after each close code of the wire contract.
var wantAdvice = map[websocket.StatusCode]hub.Advice{
	1000: hub.AdviceNone,
	1001: hub.AdviceResume,
	1009: hub.AdviceFix,
	1012: hub.AdviceResume,
	4001: hub.AdviceRefresh,
	4003: hub.AdviceLogin,
	4008: hub.AdviceResume,
	4009: hub.AdviceResume,
}

func TestAdviceFollowsTheCloseCode(t *testing.T) {
	for code, want := range wantAdvice {
		if got := hub.AdviceFor(code); got != want {
			t.Errorf("AdviceFor(%d) = %d, want %d", code, got, want)
		}
	}
	// a code outside the contract is a lost connection
	for _, code := range []websocket.StatusCode{1006, 1011, 4000, 4500} {
		if got := hub.AdviceFor(code); got != hub.AdviceResume {
			t.Errorf("AdviceFor(%d) = %d, want resume", code, got)
		}
	}
	// the values the hub closes with carry the advice of their code, whatever their reason
	for d, want := range map[*hub.Disconnect]hub.Advice{
		hub.DisconnectNormal: hub.AdviceNone, hub.DisconnectExpired: hub.AdviceRefresh,
		hub.DisconnectSlow: hub.AdviceResume, hub.DisconnectRateLimited: hub.AdviceResume,
		hub.DisconnectRestart: hub.AdviceResume, hub.DisconnectStale: hub.AdviceResume,
	} {
		if got := hub.AdviceFor(d.Code); got != want {
			t.Errorf("%v: advice %d, want %d", d, got, want)
		}
	}
}

// docs/protocol.md's close-code table lists exactly the codes above, each with the advice the
// hub gives it; the web client knows the same codes.
func TestCloseCodesMatchTheDocsAndTheWebClient(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "### Close codes\n")
	if !ok {
		t.Fatal("docs/protocol.md has no Close codes section")
	}
	section, _, _ = strings.Cut(section, "\n### ")
	row := regexp.MustCompile(`(?m)^\| (\d{4}) \|[^|]*\| ([^|]*) \|$`)
	seen := map[websocket.StatusCode]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		n, _ := strconv.Atoi(m[1])
		code := websocket.StatusCode(n)
		seen[code] = true
		want, ok := wantAdvice[code]
		if !ok {
			t.Errorf("docs list close code %d, which the hub does not know", code)
			continue
		}
		if got := docAdvice(m[2]); got != want {
			t.Errorf("docs advise %q for %d (%d), the hub %d", m[2], code, got, want)
		}
	}
	ts, err := os.ReadFile("../web/src/protocol/types.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, closeCodes, _ := strings.Cut(string(ts), "export const CloseCode = {")
	closeCodes, _, _ = strings.Cut(closeCodes, "}")
	for code := range wantAdvice {
		if !seen[code] {
			t.Errorf("docs/protocol.md does not list close code %d", code)
		}
		if !regexp.MustCompile(`:\s*` + strconv.Itoa(int(code)) + `,`).MatchString(closeCodes) {
			t.Errorf("web/src/protocol/types.ts CloseCode lacks %d", code)
		}
	}
}

// docAdvice reads the "client should" column of the docs' table.
func docAdvice(s string) hub.Advice {
	switch s = strings.ToLower(s); {
	case s == "—":
		return hub.AdviceNone
	case strings.Contains(s, "do **not** reconnect"):
		return hub.AdviceLogin
	case strings.HasPrefix(s, "refresh the token"):
		return hub.AdviceRefresh
	case strings.HasPrefix(s, "fix the client"):
		return hub.AdviceFix
	case strings.Contains(s, "reconnect") && strings.Contains(s, "resume"):
		return hub.AdviceResume
	}
	return -1
}
