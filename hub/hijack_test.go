package hub_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ft "github.com/fechatter/fechatter/internal/fechattertest"
)

// A client may write its first frames in the same packet as its handshake, before it has seen
// the 101. The connection is handed over with a read buffer of its own (hub/hijack.go), so the
// bytes net/http had already buffered must come first: here the auth frame and a send, written
// with the request in one write, get a ready and an ack.
func TestFramesWrittenWithTheHandshakeAreRead(t *testing.T) {
	p := newPair(t, ft.Options{})
	u, _ := url.Parse(p.s.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(wait))

	var out strings.Builder
	fmt.Fprintf(&out, "GET /ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", u.Host)
	out.Write(clientFrame(t, map[string]any{"type": "auth", "token": p.alice.AccessToken}))
	out.Write(clientFrame(t, sendFrame(p.chat.ID, "sent with the handshake")))
	if _, err := io.WriteString(conn, out.String()); err != nil {
		t.Fatal(err)
	}

	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: status %d, want 101", resp.StatusCode)
	}
	var seen []string
	for !strings.Contains(strings.Join(seen, " "), "ack") {
		payload, err := serverFrame(br)
		if err != nil {
			t.Fatalf("after %v: %v", seen, err)
		}
		for line := range strings.SplitSeq(string(payload), "\n") {
			var ev struct {
				Type string `json:"type"`
				Code string `json:"code"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil {
				seen = append(seen, ev.Type+ev.Code)
			}
		}
	}
	if seen[0] != "ready" {
		t.Fatalf("frames %v, want ready first", seen)
	}
}

// clientFrame is a masked text frame (RFC 6455 §5.2) holding v as JSON.
func clientFrame(t *testing.T, v any) []byte {
	payload, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(payload) > 0xffff {
		t.Fatal("frame too large for this helper")
	}
	f := []byte{0x81}
	if len(payload) < 126 {
		f = append(f, 0x80|byte(len(payload)))
	} else {
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(len(payload)))
	}
	key := [4]byte{1, 2, 3, 4}
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// serverFrame reads one unmasked, unfragmented frame and returns its payload.
func serverFrame(r *bufio.Reader) ([]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if op := h[0] & 0x0f; op == 0x8 {
		return nil, fmt.Errorf("closed by the server")
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(r, payload)
	return payload, err
}
