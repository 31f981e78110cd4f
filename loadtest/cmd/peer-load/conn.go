package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/fechatter/fechatter/loadtest"
)

// stats are the run's counters, shared by every connection.
type stats struct {
	deliveries, acks, pubErrors atomic.Int64
	latency, ackLatency         loadtest.Histogram // µs from the publish's due time
	pending                     sync.Map           // publish id → due time
	nextID                      atomic.Uint32
	lastMove                    atomic.Int64 // Unix ns of the last delivery or ack
}

// peerConn is one user's socket.
type peerConn struct {
	ws   *websocket.Conn
	room int
}

// token is the user's connection JWT: the channels claim subscribes the connection to its
// room on connect, so connecting and subscribing take one round trip.
func token(secret string, user, room int) (string, error) {
	claims := jwt.MapClaims{
		"sub":      "u" + strconv.Itoa(user),
		"channels": []string{roomChannel(room)},
		"exp":      time.Now().Add(time.Hour).Unix(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}

func roomChannel(room int) string { return "room" + strconv.Itoa(room) }

var dialOpts = &websocket.DialOptions{
	HTTPClient:      &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
	CompressionMode: websocket.CompressionDisabled,
}

// dial connects user and waits for the connect reply.
func dial(ctx context.Context, cfg config, user int) (*peerConn, error) {
	room := user / cfg.members
	tok, err := token(cfg.secret, user, room)
	if err != nil {
		return nil, err
	}
	ws, _, err := websocket.Dial(ctx, cfg.url, dialOpts)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"id":1,"connect":{"token":"`+tok+`","name":"peer-load"}}`)); err != nil {
		ws.CloseNow()
		return nil, err
	}
	_, reply, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	if !bytes.HasPrefix(reply, []byte(`{"id":1,"connect":`)) || !bytes.Contains(reply, []byte(`"`+roomChannel(room)+`"`)) {
		ws.CloseNow()
		return nil, fmt.Errorf("connect refused or not subscribed: %.200s", reply)
	}
	return &peerConn{ws: ws, room: room}, nil
}

// read handles the connection's frames until it closes: pongs to pings, deliveries and
// publish replies.
func (c *peerConn) read(ctx context.Context, st *stats) {
	var buf bytes.Buffer
	for {
		_, r, err := c.ws.Reader(ctx)
		if err != nil {
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return
		}
		now := time.Now()
		for line := range bytes.SplitSeq(buf.Bytes(), []byte{'\n'}) {
			switch kind, v := classify(line); kind {
			case linePing:
				_ = c.ws.Write(ctx, websocket.MessageText, []byte(`{}`))
			case lineDelivery:
				st.deliveries.Add(1)
				st.latency.Record(now.Sub(time.Unix(0, v)))
				st.lastMove.Store(now.UnixNano())
			case lineAck, lineError:
				if kind == lineError {
					st.pubErrors.Add(1)
				} else {
					st.acks.Add(1)
				}
				if at, ok := st.pending.LoadAndDelete(uint32(v)); ok {
					st.ackLatency.Record(now.Sub(at.(time.Time)))
				}
				st.lastMove.Store(now.UnixNano())
			}
		}
	}
}

// publish writes one publication into the connection's room; its data carries the time it
// was due by the schedule (as fechatter-load's sends do, so a late generator shows).
func (c *peerConn) publish(ctx context.Context, st *stats, pad string, due time.Time) {
	id := st.nextID.Add(1) + 1 // 1 is the connect command's
	st.pending.Store(id, due)
	b := make([]byte, 0, 128+len(pad))
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, uint64(id), 10)
	b = append(b, `,"publish":{"channel":"`...)
	b = append(b, roomChannel(c.room)...)
	b = append(b, `","data":{"t":`...)
	b = strconv.AppendInt(b, due.UnixNano(), 10)
	b = append(b, `,"text":"`...)
	b = append(b, pad...)
	b = append(b, `"}}}`...)
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		st.pending.Delete(id)
		st.pubErrors.Add(1) // never written: no reply will count it
	}
}

type lineKind int

const (
	lineOther lineKind = iota
	linePing
	lineDelivery
	lineAck
	lineError
)

var (
	errNoNumber = errors.New("no number")
	pubTime     = []byte(`"data":{"t":`)
)

// classify reads one line of the peer's JSON protocol: an empty object is a ping; a push
// carrying a publication is a delivery, with its data's write time in Unix ns; a reply to a
// command is an ack or an error, with the command's id.
func classify(line []byte) (lineKind, int64) {
	switch {
	case bytes.Equal(line, []byte(`{}`)):
		return linePing, 0
	case bytes.HasPrefix(line, []byte(`{"push":`)):
		i := bytes.Index(line, pubTime)
		if i < 0 {
			return lineOther, 0
		}
		t, err := leadingInt(line[i+len(pubTime):])
		if err != nil {
			return lineOther, 0
		}
		return lineDelivery, t
	case bytes.HasPrefix(line, []byte(`{"id":`)):
		id, err := leadingInt(line[len(`{"id":`):])
		if err != nil {
			return lineOther, 0
		}
		if bytes.Contains(line, []byte(`"error":`)) {
			return lineError, id
		}
		return lineAck, id
	}
	return lineOther, 0
}

// leadingInt parses the decimal digits at the start of b.
func leadingInt(b []byte) (int64, error) {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, errNoNumber
	}
	return strconv.ParseInt(string(b[:n]), 10, 64)
}
