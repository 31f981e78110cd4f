package hub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fechatter/fechatter/internal/poll"
)

// rawPair is a server-side frameConn and a coder/websocket client reading it: the hub's own
// frames are checked by another implementation's reader.
type rawPair struct {
	server *websocket.Conn
	raw    *frameConn
	client *websocket.Conn
	writes *recorder // every write to the socket
}

// recorder keeps every buffer written to the socket.
type recorder struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.writes = append(r.writes, bytes.Clone(p))
	r.mu.Unlock()
	return r.Conn.Write(p)
}

func (r *recorder) taken() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

func newRawPair(t *testing.T) *rawPair {
	t.Helper()
	accepted := make(chan *rawPair, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj := &hijacker{ResponseWriter: w}
		conn, err := websocket.Accept(hj, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		rec := &recorder{Conn: hj.conn.Conn}
		hj.conn.Conn = rec // before the first frame: nothing was written yet
		accepted <- &rawPair{server: conn, raw: hj.conn, writes: rec}
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	client.SetReadLimit(1 << 20)
	p := <-accepted
	p.client = client
	t.Cleanup(func() { client.CloseNow(); p.server.CloseNow() })
	return p
}

// Every payload length class of RFC 6455 §5.2 (7-bit, 16-bit, 64-bit lengths) and joined
// events arrive as the text message the library's reader expects.
func TestOwnFramesReadByTheLibrary(t *testing.T) {
	p := newRawPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cases := [][][]byte{
		{[]byte("")},
		{[]byte("a")},
		{bytes.Repeat([]byte("b"), 125)},
		{bytes.Repeat([]byte("c"), 126)},
		{bytes.Repeat([]byte("d"), 0xffff)},
		{bytes.Repeat([]byte("e"), 0x10000)},
		{[]byte(`{"type":"one"}`), []byte(`{"type":"two"}`), bytes.Repeat([]byte("f"), 200)},
		{bytes.Repeat([]byte("g"), 62), bytes.Repeat([]byte("h"), 62)}, // 125 joined
	}
	go func() {
		for _, events := range cases {
			if err := p.raw.writeFrame(appendTextFrame(nil, events)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i, events := range cases {
		typ, got, err := p.client.Read(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := bytes.Join(events, []byte("\n")); typ != websocket.MessageText || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %v of %d bytes, want text of %d", i, typ, len(got), len(want))
		}
	}
}

// The library's control frames share the connection with the hub's frames: pings answered
// while frames stream, then the close, each control frame in one Write, so that the lock
// covers it whole.
func TestOwnFramesAndTheLibrarysControlFramesDoNotInterleave(t *testing.T) {
	p := newRawPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { _, _, _ = p.server.Read(ctx) }() // answers the client's pings; ends at the close
	const n = 2000
	event := bytes.Repeat([]byte("x"), 300)
	wrote := make(chan error, 1)
	go func() {
		for range n {
			if err := p.raw.writeFrame(appendTextFrame(nil, [][]byte{event})); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	pings := make(chan error, 1)
	go func() {
		for range 20 {
			if err := p.client.Ping(ctx); err != nil {
				pings <- err
				return
			}
		}
		pings <- nil
	}()
	for i := range n {
		_, got, err := p.client.Read(ctx) // also reads the pongs for Ping
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, event) {
			t.Fatalf("frame %d: %d bytes, corrupt", i, len(got))
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = p.client.Read(ctx) }() // the client reads on, for the last pongs and the close
	if err := <-pings; err != nil {
		t.Fatal(err)
	}

	if err := p.server.Close(websocket.StatusGoingAway, "bye"); err != nil {
		t.Fatal(err)
	}

	writes := p.writes.taken()
	var pongs, closes int
	for _, w := range writes {
		if len(w) > 0 && w[0]&0x08 == 0 {
			continue // a data frame of writeFrame's
		}
		if len(w) < 2 || int(w[1]&0x7f) != len(w)-2 || w[0]&finBit == 0 {
			t.Fatalf("a control frame split over writes: % x", w)
		}
		switch w[0] & 0x0f {
		case 0xa:
			pongs++
		case opClose:
			closes++
		}
	}
	if pongs != 20 || closes != 1 {
		t.Fatalf("%d pongs and %d close frames written, want 20 and 1", pongs, closes)
	}
}

// Once the close frame is out, no data frame follows it, although the socket stays open until
// the client answers the close.
func TestNoFrameAfterTheCloseFrame(t *testing.T) {
	p := newRawPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- p.server.Close(websocket.StatusGoingAway, "bye") }()
	poll.CheckFor(t, 10*time.Second, "the close frame written", func() bool {
		for _, w := range p.writes.taken() {
			if w[0]&0x0f == opClose {
				return true
			}
		}
		return false
	})
	if err := p.raw.writeFrame(appendTextFrame(nil, [][]byte{[]byte("late")})); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("a frame after the close frame: %v, want net.ErrClosed", err)
	}
	_, got, err := p.client.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("the client read %q, %v; want the close (going away)", got, err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// BenchmarkFrameWrite is one 200-byte event written as a frame to a loopback socket whose
// reader discards it: through coder/websocket's Conn.Write (what the hub did before) and
// through frameConn (what it does now). Both pay the same write(2); the difference is the
// user-space work per frame.
//
//	go test -run '^$' -bench FrameWrite -benchmem -cpu 1 ./hub
func BenchmarkFrameWrite(b *testing.B) {
	event := [][]byte{bytes.Repeat([]byte("e"), 200)}
	ctx := context.Background()
	for _, path := range []string{"library", "own"} {
		b.Run(path, func(b *testing.B) {
			p := newDiscardPair(b, path == "library")
			buf := make([]byte, 0, 512)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var err error
				if path == "library" {
					err = p.server.Write(ctx, websocket.MessageText, event[0])
				} else {
					buf = appendTextFrame(buf[:0], event)
					err = p.raw.writeFrame(buf)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// newDiscardPair is a server-side WebSocket whose client reads and drops every byte; with
// plain set, accepted as before frameConn (net/http's hijack and its 4 KB write buffer).
func newDiscardPair(b *testing.B, plain bool) *rawPair {
	accepted := make(chan *rawPair, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj := &hijacker{ResponseWriter: w}
		var rw http.ResponseWriter = hj
		if plain {
			rw = w
		}
		conn, err := websocket.Accept(rw, r, nil)
		if err != nil {
			b.Error(err)
			return
		}
		accepted <- &rawPair{server: conn, raw: hj.conn}
	}))
	b.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"))
	if err != nil {
		b.Fatal(err)
	}
	p := <-accepted
	go func() { _, _ = io.Copy(io.Discard, conn) }()
	b.Cleanup(func() { conn.Close(); p.server.CloseNow() })
	return p
}
