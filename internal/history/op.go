package history

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Kind is what an operation records.
type Kind uint8

// The operations a client records.
const (
	Send    Kind = iota + 1 // a send frame went out (first try or retry): ClientID, Text
	Ack                     // a send was acknowledged: Seq, MsgID, ClientID
	Fail                    // a request was answered with an error: Ref, Code
	Request                 // an edit, delete or reaction went out: Type, MsgID, Text, Emoji
	Event                   // a timeline event arrived: Type, Seq, MsgID, ClientID, Text, Emoji, Added
	Resume                  // a session began; Seq is the last seq the client had (0: none)
	Resync                  // the server said resync: the client pages history instead
	Drop                    // a session ended: Text says why
)

var kindNames = [...]string{Send: "send", Ack: "ack", Fail: "fail", Request: "request", Event: "event",
	Resume: "resume", Resync: "resync", Drop: "drop"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Op is one operation of one client in one chat.
type Op struct {
	Index    int           // position in the whole history
	At       time.Duration // since the recorder started
	Client   int
	Chat     int64
	Kind     Kind
	Type     string // event or request type: message, message_edited, message_deleted, reaction, ...
	Seq      int64
	MsgID    int64
	UserID   int64
	ClientID string
	Text     string
	Emoji    string
	Added    bool
	Ref      string
	Code     string
}

func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %6.3fs client %d chat %d %s", o.Index, o.At.Seconds(), o.Client, o.Chat, o.Kind)
	if o.Type != "" {
		fmt.Fprintf(&b, " %s", o.Type)
	}
	if o.Seq != 0 || o.Kind == Resume {
		fmt.Fprintf(&b, " seq=%d", o.Seq)
	}
	if o.MsgID != 0 {
		fmt.Fprintf(&b, " msg=%d", o.MsgID)
	}
	if o.ClientID != "" {
		fmt.Fprintf(&b, " client_id=%s", o.ClientID)
	}
	if o.Emoji != "" {
		fmt.Fprintf(&b, " emoji=%s added=%v", o.Emoji, o.Added)
	}
	if o.Text != "" {
		fmt.Fprintf(&b, " text=%q", o.Text)
	}
	if o.Code != "" {
		fmt.Fprintf(&b, " code=%s", o.Code)
	}
	return b.String()
}

// Recorder is the shared, append-only log of every client's operations. It is safe for
// concurrent use.
type Recorder struct {
	start  time.Time
	mu     sync.Mutex
	ops    []Op
	counts [Drop + 1]int
	acked  map[string]bool
}

// NewRecorder starts an empty history.
func NewRecorder() *Recorder { return &Recorder{start: time.Now(), acked: map[string]bool{}} }

// Add appends op, stamping its index and time.
func (r *Recorder) Add(op Op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Index = len(r.ops)
	op.At = time.Since(r.start)
	r.ops = append(r.ops, op)
	if op.Kind <= Drop {
		r.counts[op.Kind]++
	}
	if op.Kind == Ack {
		r.acked[op.ClientID] = true
	}
}

// Ops returns a copy of the history so far.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Count returns how many operations of kind k were recorded.
func (r *Recorder) Count(k Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k > Drop {
		return 0
	}
	return r.counts[k]
}

// Acked returns how many distinct messages (client_ids) were acknowledged.
func (r *Recorder) Acked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}
