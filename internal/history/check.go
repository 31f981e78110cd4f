package history

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fechatter/fechatter"
)

// Chat is what the store holds for one chat once a run has settled: the truth the history is
// checked against.
type Chat struct {
	ID       int64
	LastSeq  int64               // the chat's newest seq
	Messages []fechatter.Message // its history as REST pages it, ascending seq
	Members  []int               // the clients that were members from before the first send to the end
}

// Violation is one broken guarantee.
type Violation struct {
	Rule    string // gap, duplicate, reorder, lost, phantom, diverged, stored-twice, state
	Chat    int64
	Client  int // -1 when the rule is not about one client
	Detail  string
	Excerpt []Op // the smallest part of the history that shows it
}

func (v Violation) String() string {
	var b strings.Builder
	who := "every client"
	if v.Client >= 0 {
		who = fmt.Sprintf("client %d", v.Client)
	}
	fmt.Fprintf(&b, "%s: chat %d, %s: %s", v.Rule, v.Chat, who, v.Detail)
	for _, o := range v.Excerpt {
		b.WriteString("\n    ")
		b.WriteString(o.String())
	}
	return b.String()
}

// Verdict is what Check found.
type Verdict struct {
	Chats, Clients int
	Acked          int // distinct acknowledged messages
	Deliveries     int // timeline events received, all clients together
	Resumes        int // sessions that resumed after the first
	Resyncs        int
	Retries        int // sends repeated with a client_id already sent
	Violations     []Violation
}

// OK reports whether no guarantee was broken.
func (v Verdict) OK() bool { return len(v.Violations) == 0 }

// String is a one-line summary, followed on failure by the first violations and their excerpts.
func (v Verdict) String() string {
	head := fmt.Sprintf("%d chats, %d clients, %d acked, %d deliveries, %d resumes, %d resyncs, %d retried sends",
		v.Chats, v.Clients, v.Acked, v.Deliveries, v.Resumes, v.Resyncs, v.Retries)
	if v.OK() {
		return "history OK: " + head + ", 0 violations"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "history FAILED: %d violations; %s", len(v.Violations), head)
	for i, x := range v.Violations {
		if i == 3 {
			fmt.Fprintf(&b, "\n  … and %d more", len(v.Violations)-3)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(x.String())
	}
	return b.String()
}

// maxViolations bounds what Check collects: the first few tell the story.
const maxViolations = 50

type checker struct {
	ops     []Op
	v       Verdict
	sends   map[string][]Op             // client_id → its send ops
	acks    map[string][]Op             // client_id → its acks
	reqs    map[int64][]Op              // message ID → edit/delete/reaction requests
	first   map[int64]map[int64]Op      // chat → seq → the first receipt of that seq
	streams map[[2]int64][]Op           // (client, chat) → its events, resumes, resyncs, drops in order
	covered map[[2]int64]map[int64]bool // (client, chat) → seqs skipped by a resync
}

// Check reads a whole history against the store's final state and reports every broken
// guarantee: per chat, every acked message reaches every member that stayed, exactly once, in
// seq order, with no gap; nothing arrives that was never sent; every client sees the same event
// at each seq; edits, deletes and reactions applied in seq order give the stored state; and a
// retried client_id is stored once.
func Check(ops []Op, chats []Chat) Verdict {
	c := &checker{ops: ops, sends: map[string][]Op{}, acks: map[string][]Op{}, reqs: map[int64][]Op{},
		first: map[int64]map[int64]Op{}, streams: map[[2]int64][]Op{}, covered: map[[2]int64]map[int64]bool{}}
	c.index()
	clients := map[int]bool{}
	for _, ch := range chats {
		for _, k := range ch.Members {
			clients[k] = true
		}
	}
	c.v.Chats, c.v.Clients = len(chats), len(clients)
	for _, ch := range chats {
		for _, k := range ch.Members {
			c.checkStream(ch, k)
		}
		c.checkAcks(ch)
		c.checkStored(ch)
		c.checkState(ch)
	}
	c.checkPhantoms()
	c.checkClientIDs()
	return c.v
}

func (c *checker) fail(x Violation) {
	if len(c.v.Violations) < maxViolations {
		c.v.Violations = append(c.v.Violations, x)
	}
}

func (c *checker) index() {
	sent := map[string]bool{}
	acked := map[string]bool{}
	for _, o := range c.ops {
		key := [2]int64{int64(o.Client), o.Chat}
		switch o.Kind {
		case Send:
			if sent[o.ClientID] {
				c.v.Retries++
			}
			sent[o.ClientID] = true
			c.sends[o.ClientID] = append(c.sends[o.ClientID], o)
		case Ack:
			if !acked[o.ClientID] {
				c.v.Acked++
			}
			acked[o.ClientID] = true
			c.acks[o.ClientID] = append(c.acks[o.ClientID], o)
		case Request:
			c.reqs[o.MsgID] = append(c.reqs[o.MsgID], o)
		case Event:
			c.v.Deliveries++
			if c.first[o.Chat] == nil {
				c.first[o.Chat] = map[int64]Op{}
			}
			if prev, ok := c.first[o.Chat][o.Seq]; !ok {
				c.first[o.Chat][o.Seq] = o
			} else if !sameEvent(prev, o) {
				c.fail(Violation{Rule: "diverged", Chat: o.Chat, Client: o.Client,
					Detail: fmt.Sprintf("seq %d is not the same event for two clients", o.Seq), Excerpt: []Op{prev, o}})
			}
			c.streams[key] = append(c.streams[key], o)
		case Resume:
			if len(c.streams[key]) > 0 {
				c.v.Resumes++
			}
			c.streams[key] = append(c.streams[key], o)
		case Resync:
			c.v.Resyncs++
			c.streams[key] = append(c.streams[key], o)
		case Drop:
			c.streams[key] = append(c.streams[key], o)
		}
	}
}

// sameEvent compares two receipts of one seq. A message or edit event replayed from the store
// carries the message as it is now, so its text may be a later edit's (or empty once deleted):
// the text is checked against what was asked for instead (checkPhantoms).
func sameEvent(a, b Op) bool {
	textual := a.Type == "message" || a.Type == "message_edited"
	return a.Type == b.Type && a.MsgID == b.MsgID && a.ClientID == b.ClientID && (textual || a.Text == b.Text) &&
		a.Emoji == b.Emoji && a.Added == b.Added && a.UserID == b.UserID
}

// knownText reports whether text is one message msg had: its sent text, an edit asked for, or
// empty after a delete asked for.
func (c *checker) knownText(msg int64, text, sent string) bool {
	if text == sent && sent != "" {
		return true
	}
	return slices.ContainsFunc(c.reqs[msg], func(r Op) bool {
		return (r.Type == "edit" && r.Text == text) || (r.Type == "delete" && text == "")
	})
}

// checkStream walks one member's receipts of one chat: each seq once, in order, no gap, up to
// the chat's last seq.
func (c *checker) checkStream(ch Chat, k int) {
	key := [2]int64{int64(k), ch.ID}
	stream := c.streams[key]
	var next int64 = -1 // the seq expected next; -1 before the first session
	var last Op         // the latest receipt or session start
	got := map[int64]Op{}
	resynced := false
	for _, o := range stream {
		switch o.Kind {
		case Resume:
			if next < 0 || o.Seq+1 < next {
				next = o.Seq + 1
			}
			last = o
		case Resync:
			resynced = true
			last = o
		case Event:
			switch {
			case next < 0:
				c.fail(Violation{Rule: "reorder", Chat: ch.ID, Client: k, Detail: fmt.Sprintf("seq %d arrived before any session began", o.Seq), Excerpt: []Op{o}})
			case o.Seq == next:
				next++
			case o.Seq < next:
				if prev, ok := got[o.Seq]; ok {
					c.fail(Violation{Rule: "duplicate", Chat: ch.ID, Client: k, Detail: fmt.Sprintf("seq %d delivered twice", o.Seq), Excerpt: []Op{prev, o}})
				} else {
					c.fail(Violation{Rule: "reorder", Chat: ch.ID, Client: k, Detail: fmt.Sprintf("seq %d arrived after seq %d", o.Seq, next-1), Excerpt: []Op{last, o}})
				}
			case resynced:
				c.cover(key, next, o.Seq-1)
				next = o.Seq + 1
			default:
				x := []Op{last, o}
				x = append(x, c.ackOf(ch.ID, next)...)
				c.fail(Violation{Rule: "gap", Chat: ch.ID, Client: k,
					Detail: fmt.Sprintf("seq %d arrived when %d was due: %d..%d never delivered", o.Seq, next, next, o.Seq-1), Excerpt: x})
				next = o.Seq + 1
			}
			resynced = false
			got[o.Seq] = o
			last = o
		}
	}
	if next < 0 {
		c.fail(Violation{Rule: "lost", Chat: ch.ID, Client: k, Detail: "the member never had a session"})
		return
	}
	if resynced {
		c.cover(key, next, ch.LastSeq)
		return
	}
	if next <= ch.LastSeq {
		x := []Op{last}
		x = append(x, c.ackOf(ch.ID, next)...)
		c.fail(Violation{Rule: "lost", Chat: ch.ID, Client: k,
			Detail: fmt.Sprintf("received up to seq %d; the chat reached %d", next-1, ch.LastSeq), Excerpt: x})
	}
}

func (c *checker) cover(key [2]int64, from, to int64) {
	if c.covered[key] == nil {
		c.covered[key] = map[int64]bool{}
	}
	for s := from; s <= to; s++ {
		c.covered[key][s] = true
	}
}

// ackOf returns the ack of the message stored at seq in chat, if any (for excerpts).
func (c *checker) ackOf(chat, seq int64) []Op {
	for _, list := range c.acks {
		for _, a := range list {
			if a.Chat == chat && a.Seq == seq {
				return []Op{a}
			}
		}
	}
	return nil
}

// checkAcks: every acked message is what its seq carries for every client, and within the
// chat's final seq.
func (c *checker) checkAcks(ch Chat) {
	for _, list := range c.acks {
		for _, a := range list {
			if a.Chat != ch.ID {
				continue
			}
			if a.Seq > ch.LastSeq {
				c.fail(Violation{Rule: "lost", Chat: ch.ID, Client: a.Client, Detail: fmt.Sprintf("acked seq %d is past the chat's last seq %d", a.Seq, ch.LastSeq), Excerpt: []Op{a}})
				continue
			}
			e, ok := c.first[ch.ID][a.Seq]
			if ok && (e.Type != "message" || e.MsgID != a.MsgID || e.ClientID != a.ClientID) {
				c.fail(Violation{Rule: "diverged", Chat: ch.ID, Client: a.Client, Detail: fmt.Sprintf("the ack of seq %d and its delivery differ", a.Seq), Excerpt: []Op{a, e}})
			}
		}
	}
}

// checkStored: every acked message is in the store's history, and no client_id twice.
func (c *checker) checkStored(ch Chat) {
	byID := map[int64]fechatter.Message{}
	seen := map[string]fechatter.Message{}
	for _, m := range ch.Messages {
		byID[m.ID] = m
		if prev, ok := seen[m.ClientID]; ok && m.ClientID != "" {
			c.fail(Violation{Rule: "stored-twice", Chat: ch.ID, Client: -1,
				Detail:  fmt.Sprintf("client_id %s is stored as messages %d (seq %d) and %d (seq %d)", m.ClientID, prev.ID, prev.Seq, m.ID, m.Seq),
				Excerpt: c.sends[m.ClientID]})
		}
		seen[m.ClientID] = m
	}
	for _, list := range c.acks {
		for _, a := range list {
			if a.Chat != ch.ID {
				continue
			}
			if m, ok := byID[a.MsgID]; !ok || m.Seq != a.Seq || m.ClientID != a.ClientID {
				c.fail(Violation{Rule: "lost", Chat: ch.ID, Client: a.Client, Detail: fmt.Sprintf("acked message %d (seq %d) is not in the stored history", a.MsgID, a.Seq), Excerpt: []Op{a}})
			}
		}
	}
}

// checkPhantoms: nothing is delivered that no client asked for.
func (c *checker) checkPhantoms() {
	bad := map[[2]int64]bool{}
	for _, o := range c.ops {
		if o.Kind != Event || bad[[2]int64{o.Chat, o.Seq}] {
			continue
		}
		ok := true
		switch o.Type {
		case "message":
			ok = slices.ContainsFunc(c.sends[o.ClientID], func(s Op) bool { return s.Chat == o.Chat && c.knownText(o.MsgID, o.Text, s.Text) })
		case "message_edited":
			ok = c.knownText(o.MsgID, o.Text, "")
		case "message_deleted":
			ok = slices.ContainsFunc(c.reqs[o.MsgID], func(r Op) bool { return r.Type == "delete" })
		case "reaction":
			ok = slices.ContainsFunc(c.reqs[o.MsgID], func(r Op) bool {
				return (r.Type == "react") == o.Added && (r.Type == "react" || r.Type == "unreact") && r.Emoji == o.Emoji && r.UserID == o.UserID
			})
		}
		if !ok {
			bad[[2]int64{o.Chat, o.Seq}] = true
			c.fail(Violation{Rule: "phantom", Chat: o.Chat, Client: o.Client, Detail: fmt.Sprintf("seq %d (%s) matches nothing any client sent", o.Seq, o.Type), Excerpt: []Op{o}})
		}
	}
}

// checkClientIDs: a client_id names one message, however often it was sent.
func (c *checker) checkClientIDs() {
	ids := make([]string, 0, len(c.sends))
	for id := range c.sends {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	delivered := map[string][]Op{} // message events by client_id: one pass over the history
	for _, o := range c.ops {
		if o.Kind == Event && o.Type == "message" && o.ClientID != "" {
			delivered[o.ClientID] = append(delivered[o.ClientID], o)
		}
	}
	for _, id := range ids {
		var seqs []int64
		var x []Op
		for _, a := range c.acks[id] {
			if !slices.Contains(seqs, a.Seq) {
				seqs = append(seqs, a.Seq)
				x = append(x, a)
			}
		}
		for _, o := range delivered[id] {
			if !slices.Contains(seqs, o.Seq) {
				seqs = append(seqs, o.Seq)
				x = append(x, o)
			}
		}
		if len(seqs) > 1 {
			c.fail(Violation{Rule: "stored-twice", Chat: x[0].Chat, Client: -1, Detail: fmt.Sprintf("client_id %s became seqs %v", id, seqs), Excerpt: x})
		}
	}
}

// msgState is a message as the events so far make it.
type msgState struct {
	text      string
	deleted   bool
	reactions map[string]map[int64]bool
	ops       []Op
}

// checkState applies the chat's events in seq order and compares the result with the store:
// edits, deletes and reactions applied in order give what is stored.
func (c *checker) checkState(ch Chat) {
	evs := c.first[ch.ID]
	seqs := make([]int64, 0, len(evs))
	for s := range evs {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	state := map[int64]*msgState{}
	for _, s := range seqs {
		o := evs[s]
		m := state[o.MsgID]
		if o.Type == "message" {
			m = &msgState{text: o.Text, reactions: map[string]map[int64]bool{}}
			state[o.MsgID] = m
		}
		if m == nil {
			continue // about a message created before the run
		}
		m.ops = append(m.ops, o)
		switch o.Type {
		case "message_edited":
			m.text = o.Text
		case "message_deleted":
			m.deleted, m.text, m.reactions = true, "", map[string]map[int64]bool{}
		case "reaction":
			if m.reactions[o.Emoji] == nil {
				m.reactions[o.Emoji] = map[int64]bool{}
			}
			if o.Added {
				m.reactions[o.Emoji][o.UserID] = true
			} else {
				delete(m.reactions[o.Emoji], o.UserID)
			}
		}
	}
	for _, stored := range ch.Messages {
		m := state[stored.ID]
		if m == nil {
			continue
		}
		if d := diffState(m, stored); d != "" {
			x := m.ops
			if len(x) > 6 {
				x = x[len(x)-6:]
			}
			c.fail(Violation{Rule: "state", Chat: ch.ID, Client: -1, Detail: fmt.Sprintf("message %d: %s", stored.ID, d), Excerpt: x})
		}
	}
}

func diffState(m *msgState, s fechatter.Message) string {
	if m.deleted != s.Deleted {
		return fmt.Sprintf("deleted=%v by the events, %v in the store", m.deleted, s.Deleted)
	}
	if !m.deleted && m.text != s.Text {
		return fmt.Sprintf("text %q by the events, %q in the store", m.text, s.Text)
	}
	want := map[string]int{}
	for e, users := range m.reactions {
		if len(users) > 0 {
			want[e] = len(users)
		}
	}
	got := map[string]int{}
	for _, r := range s.Reactions {
		got[r.Emoji] = r.Count
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return fmt.Sprintf("reactions %v by the events, %v in the store", want, got)
	}
	return ""
}
