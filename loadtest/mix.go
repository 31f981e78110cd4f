package loadtest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Mix makes part of a room run's sends thread replies and reactions instead of plain
// messages, to measure what they cost next to them. Fractions of all scheduled sends.
type Mix struct {
	Replies   float64 // sends with thread_id: the first message this process saw acked in the chat
	Reactions float64 // react/unreact frames on that message, toggling, so each one is an event
}

// ParseMix reads "replies=0.2,reactions=0.3".
func ParseMix(s string) (Mix, error) {
	var m Mix
	if s == "" {
		return m, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || f < 0 || f > 1 {
			return Mix{}, fmt.Errorf("mix %q: want replies=F,reactions=F with F from 0 to 1", s)
		}
		switch k {
		case "replies":
			m.Replies = f
		case "reactions":
			m.Reactions = f
		default:
			return Mix{}, fmt.Errorf("mix: unknown kind %q (replies, reactions)", k)
		}
	}
	if m.Replies+m.Reactions > 1 {
		return Mix{}, fmt.Errorf("mix %q: fractions add up to more than 1", s)
	}
	return m, nil
}

// The kinds of scheduled send.
const (
	kindMessage = iota
	kindReply
	kindReaction
)

// kindOf spreads the mix evenly over the schedule: a fixed hash of i, not chance, so every
// process of a run agrees and a rerun is the same run.
func (m Mix) kindOf(i int) int {
	x := float64(uint32(i)*2654435761%1000) / 1000
	switch {
	case x < m.Replies:
		return kindReply
	case x < m.Replies+m.Reactions:
		return kindReaction
	}
	return kindMessage
}

// roots remembers, per chat, the first message of this run acked to this process: what replies
// and reactions are about. toggled remembers which senders reacted, so the next one removes.
type roots struct {
	mu      sync.Mutex
	byChat  map[int64]int64
	toggled map[[2]int64]bool
}

func (r *roots) note(chat, id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byChat == nil {
		r.byChat = map[int64]int64{}
	}
	if _, ok := r.byChat[chat]; !ok && id > 0 {
		r.byChat[chat] = id
	}
}

func (r *roots) of(chat int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byChat[chat]
}

// flip returns whether sender's next reaction in chat adds (true) or removes.
func (r *roots) flip(chat int64, sender int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.toggled == nil {
		r.toggled = map[[2]int64]bool{}
	}
	k := [2]int64{chat, int64(sender)}
	r.toggled[k] = !r.toggled[k]
	return r.toggled[k]
}

// reactFrame appends a react or unreact frame whose ref is the due time.
func reactFrame(b []byte, chatID, msgID int64, add bool, dueNS int64) []byte {
	typ := "unreact"
	if add {
		typ = "react"
	}
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","chat_id":`...)
	b = strconv.AppendInt(b, chatID, 10)
	b = append(b, `,"message_id":`...)
	b = strconv.AppendInt(b, msgID, 10)
	b = append(b, `,"emoji":"👍","ref":`...)
	b = strconv.AppendInt(b, dueNS, 10)
	return append(b, '}')
}
