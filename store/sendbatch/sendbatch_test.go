package sendbatch

import (
	"errors"
	"testing"

	"github.com/fechatter/fechatter"
)

func TestABatchStoresEachClientIDOnce(t *testing.T) {
	ps := []fechatter.SendParams{
		{ChatID: 1, SenderID: 7, ClientID: "a"},
		{ChatID: 1, SenderID: 8, ClientID: "a"}, // another sender: its own message
		{ChatID: 1, SenderID: 7, ClientID: "a"}, // a resend of the first
		{ChatID: 2, SenderID: 7, ClientID: "a"}, // the same id in another chat
		{ChatID: 1, SenderID: 7, ClientID: "old"},
		{ChatID: 2, SenderID: 7, ClientID: "old2"},
		{ChatID: 1, SenderID: 7, ClientID: ""}, // failed validation
	}
	res := make([]fechatter.SendResult, len(ps))
	res[6].Err = errors.New("invalid")
	valid := Pending(res)
	found := map[Key]fechatter.Message{
		{7, "old"}:  {ID: 40, ChatID: 1, Seq: 4, SenderID: 7, ClientID: "old"},
		{7, "old2"}: {ID: 41, ChatID: 1, Seq: 5, SenderID: 7, ClientID: "old2"},
	}
	attached := 0
	if err := AnswerStored(ps, res, valid, found, func(ms []fechatter.Message) error { attached += len(ms); return nil }); err != nil {
		t.Fatal(err)
	}
	if res[4].Event.Seq != 4 || res[4].Event.Message.ID != 40 || attached != 1 {
		t.Fatalf("a stored client_id is answered with its message: %+v (attached %d)", res[4], attached)
	}
	if fechatter.ErrorCode(res[5].Err) != fechatter.EConflict {
		t.Fatalf("a stored client_id of another chat: %v", res[5].Err)
	}
	todo, resends := Split(ps, res, valid)
	if len(todo) != 2 || todo[0] != 0 || todo[1] != 1 {
		t.Fatalf("todo %v, want [0 1]", todo)
	}
	res[0].Event = fechatter.Event{ChatID: 1, Seq: 9}
	res[1].Event = fechatter.Event{ChatID: 1, Seq: 10}
	resends.Answer(ps, res)
	if res[2].Err != nil || res[2].Event.Seq != 9 || res[2].Created {
		t.Fatalf("a resend in the batch gets the first one's event, not created: %+v", res[2])
	}
	if fechatter.ErrorCode(res[3].Err) != fechatter.EConflict {
		t.Fatalf("a resend naming another chat: %v", res[3].Err)
	}
}
