// Package sendbatch holds the rules of a batch of sends that every store shares: which sends
// the batch stores, which repeat a message stored before it or another send of the batch, and
// what those are answered. Each store runs its own statements; this package never touches a
// database.
//
// It must never import a store, the hub or the REST layer.
package sendbatch

import "github.com/fechatter/fechatter"

// Key identifies a send for idempotency: a sender's client_id names one message.
type Key struct {
	Sender int64
	Client string
}

// KeyOf is the key of a send.
func KeyOf(p fechatter.SendParams) Key { return Key{p.SenderID, p.ClientID} }

// KeyOfMessage is the key of a stored message.
func KeyOfMessage(m fechatter.Message) Key { return Key{m.SenderID, m.ClientID} }

// Pending returns the indexes of the sends without an error.
func Pending(res []fechatter.SendResult) []int {
	var out []int
	for i := range res {
		if res[i].Err == nil {
			out = append(out, i)
		}
	}
	return out
}

// errElsewhere answers a client_id already used for a message in another chat.
func errElsewhere() error {
	return fechatter.Errorf(fechatter.EConflict, "client_id already used in another chat")
}

// AnswerStored answers each send of todo whose key found holds (a message stored before the
// batch): the original, with its files filled by attach, or EConflict when the original went
// to another chat.
func AnswerStored(ps []fechatter.SendParams, res []fechatter.SendResult, todo []int, found map[Key]fechatter.Message,
	attach func([]fechatter.Message) error) error {
	for _, i := range todo {
		m, ok := found[KeyOf(ps[i])]
		switch {
		case !ok:
		case m.ChatID != ps[i].ChatID:
			res[i].Err = errElsewhere()
		default:
			one := []fechatter.Message{m}
			if err := attach(one); err != nil {
				return err
			}
			res[i].Event = fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: one[0]}
		}
	}
	return nil
}

// Resends are the sends of a batch that repeat the client_id of an earlier send of the same
// batch (a client resending before its first try was answered).
type Resends struct {
	first map[Key]int // the send that stores each new client_id
	list  []int
}

// Split returns the sends of valid still unanswered that store a new message (the first send
// of each key) and the resends of those inside the batch.
func Split(ps []fechatter.SendParams, res []fechatter.SendResult, valid []int) ([]int, Resends) {
	r := Resends{first: map[Key]int{}}
	var todo []int
	for _, i := range valid {
		if res[i].Err != nil || res[i].Event.Seq != 0 {
			continue // answered from what was stored before
		}
		k := KeyOf(ps[i])
		if _, dup := r.first[k]; dup {
			r.list = append(r.list, i)
			continue
		}
		r.first[k] = i
		todo = append(todo, i)
	}
	return todo, r
}

// Answer gives each resend the outcome of the send it repeats, or EConflict when it names
// another chat. Call it once the batch's new messages are stored.
func (r Resends) Answer(ps []fechatter.SendParams, res []fechatter.SendResult) {
	for _, i := range r.list {
		j := r.first[KeyOf(ps[i])]
		if ps[i].ChatID != ps[j].ChatID {
			res[i].Err = errElsewhere()
		} else {
			res[i] = fechatter.SendResult{Event: res[j].Event, Err: res[j].Err}
		}
	}
}
