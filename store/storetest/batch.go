package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fechatter/fechatter"
)

// testSendBatch checks that a batch behaves as the same sends one by one would.
func testSendBatch(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	other := f.group(tm.alice)
	archived := f.group(tm.alice, tm.bob)
	yes := true
	if _, err := s.UpdateChat(f.ctx, archived.ID, fechatter.ChatUpdate{Archived: &yes}); err != nil {
		t.Fatal(err)
	}
	earlier, _, err := s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "earlier", Text: "one"})
	if err != nil {
		t.Fatal(err)
	}
	ps := []fechatter.SendParams{
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b1", Text: "two"},
		{ChatID: g.ID, SenderID: tm.bob.ID, ClientID: "b1", Text: "three"},        // same id, other sender: fine
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "earlier", Text: "again"}, // resend of a stored one
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b1", Text: "dup"},        // resend inside the batch
		{ChatID: other.ID, SenderID: tm.bob.ID, ClientID: "b2", Text: "x"},        // not a member
		{ChatID: 987654, SenderID: tm.bob.ID, ClientID: "b3", Text: "x"},          // no such chat
		{ChatID: archived.ID, SenderID: tm.bob.ID, ClientID: "b4", Text: "x"},     // archived
		{ChatID: other.ID, SenderID: tm.alice.ID, ClientID: "earlier", Text: "x"}, // id used in another chat
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "", Text: "x"},            // invalid
		{ChatID: other.ID, SenderID: tm.alice.ID, ClientID: "b5", Text: "other chat"},
		{ChatID: g.ID, SenderID: tm.bob.ID, ClientID: "b6", Text: "four"},
	}
	res := s.SendBatch(f.ctx, ps)
	if len(res) != len(ps) {
		t.Fatalf("%d results for %d sends", len(res), len(ps))
	}
	wantSeq := func(i int, seq int64, created bool) {
		t.Helper()
		r := res[i]
		if r.Err != nil || r.Event.Seq != seq || r.Created != created || r.Event.Message.ClientID != ps[i].ClientID ||
			r.Event.ChatID != ps[i].ChatID || r.Event.Message.ID == 0 || r.Event.Kind != fechatter.EventMessage {
			t.Fatalf("send %d: %+v, want seq %d created %v", i, r, seq, created)
		}
	}
	wantErr := func(i int, code string) {
		t.Helper()
		if fechatter.ErrorCode(res[i].Err) != code {
			t.Fatalf("send %d: err %v, want %s", i, res[i].Err, code)
		}
	}
	wantSeq(0, 2, true)
	wantSeq(1, 3, true)
	wantSeq(2, earlier.Seq, false)
	wantSeq(3, 2, false)
	if res[3].Event.Message.ID != res[0].Event.Message.ID || res[3].Event.Message.Text != "two" {
		t.Fatalf("in-batch resend returned %+v, want the first", res[3].Event.Message)
	}
	wantErr(4, fechatter.ENotFound)
	wantErr(5, fechatter.ENotFound)
	wantErr(6, fechatter.EForbidden)
	wantErr(7, fechatter.EConflict)
	wantErr(8, fechatter.EInvalid)
	wantSeq(9, 1, true)
	wantSeq(10, 4, true)

	evs, err := s.Events(f.ctx, g.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || evs[3].Message.Text != "four" {
		t.Fatalf("timeline after the batch: %+v", evs)
	}
	if c, _ := s.Chat(f.ctx, g.ID); c.LastSeq != 4 {
		t.Fatalf("last_seq = %d, want 4", c.LastSeq)
	}
	if len(s.SendBatch(f.ctx, nil)) != 0 {
		t.Fatal("empty batch")
	}
}

// testConcurrentBatches runs batches that cross the same chats from many goroutines: seqs stay
// gap-free and unique, and concurrent resends of one client id make one row.
func testConcurrentBatches(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g1, g2 := f.group(tm.alice, tm.bob), f.group(tm.alice, tm.bob)
	const workers, rounds = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				ps := []fechatter.SendParams{ // both chats, in both orders across workers
					{ChatID: g1.ID, SenderID: tm.alice.ID, ClientID: fmt.Sprintf("w%d-r%d-a", w, r), Text: "x"},
					{ChatID: g2.ID, SenderID: tm.bob.ID, ClientID: fmt.Sprintf("w%d-r%d-b", w, r), Text: "x"},
					{ChatID: g1.ID, SenderID: tm.bob.ID, ClientID: fmt.Sprintf("shared-%d", r), Text: "x"},
				}
				if w%2 == 1 {
					ps[0], ps[1] = ps[1], ps[0]
				}
				for _, res := range f.s.SendBatch(f.ctx, ps) {
					if res.Err != nil {
						errs <- res.Err
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id   int64
		want int
	}{{g1.ID, workers*rounds + rounds}, {g2.ID, workers * rounds}} {
		evs, err := f.s.Events(f.ctx, c.id, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != c.want {
			t.Fatalf("chat %d has %d events, want %d", c.id, len(evs), c.want)
		}
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Fatalf("chat %d: seq %d at position %d", c.id, ev.Seq, i)
			}
		}
	}
}
