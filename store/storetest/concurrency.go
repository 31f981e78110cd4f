package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/fechatter/fechatter"
)

// testConcurrentSends sends from many goroutines to one chat at once: seqs must come out
// exactly 1..N, each sender's in the order it sent them, and the chat's last seq must be N.
func testConcurrentSends(t *testing.T, s fechatter.Store) {
	const workers, perWorker = 8, 50
	f := newFx(t, s)
	users := make([]fechatter.User, workers)
	for i := range users {
		users[i] = f.signup(fmt.Sprintf("u%d@acme.io", i), "Acme", fmt.Sprintf("User %d", i))
	}
	g := f.group(users[0], users[1:]...)

	start := make(chan struct{})
	errs := make(chan error, workers)
	seqs := make([][]int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for i := range perWorker {
				ev, created, err := s.Send(f.ctx, fechatter.SendParams{
					ChatID: g.ID, SenderID: users[w].ID, ClientID: fmt.Sprintf("w%d-%d", w, i),
					Text: fmt.Sprintf("message %d from %d", i, w),
				})
				if err == nil && !created {
					err = fmt.Errorf("created=false for a new client id")
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d send %d: %w", w, i, err)
					return
				}
				seqs[w] = append(seqs[w], ev.Seq)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	var union []int64
	for w, ws := range seqs {
		if !slices.IsSorted(ws) {
			t.Fatalf("worker %d got seqs out of order: %v", w, ws)
		}
		union = append(union, ws...)
	}
	slices.Sort(union)
	for i, seq := range union {
		if seq != int64(i+1) {
			t.Fatalf("seqs are not exactly 1..%d: position %d holds %d", workers*perWorker, i, seq)
		}
	}
	if c := f.chat(g.ID); c.LastSeq != workers*perWorker {
		t.Fatalf("Chat.LastSeq = %d, want %d", c.LastSeq, workers*perWorker)
	}
	checkTimeline(t, f, g.ID, workers*perWorker)
}

// checkTimeline checks a chat of n plain messages: events 1..n, one message each.
func checkTimeline(t *testing.T, f *fx, chatID int64, n int) {
	t.Helper()
	evs := f.events(chatID)
	ids := make(map[int64]bool, len(evs))
	for i, ev := range evs {
		if ev.Seq != int64(i+1) || ev.Kind != fechatter.EventMessage || ev.Message.Seq != ev.Seq {
			t.Fatalf("event %d = %+v", i, ev)
		}
		if ids[ev.Message.ID] {
			t.Fatalf("message %d appears in two events", ev.Message.ID)
		}
		ids[ev.Message.ID] = true
	}
	if len(evs) != n {
		t.Fatalf("%d events, want %d", len(evs), n)
	}
	// A page is capped at MaxHistoryLimit.
	msgs, more, err := f.s.Messages(f.ctx, fechatter.MessageQuery{ChatID: chatID, Limit: fechatter.MaxHistoryLimit + 50})
	f.ok(err, "Messages")
	want := min(n, fechatter.MaxHistoryLimit)
	if len(msgs) != want || more != (n > want) || (want > 0 && msgs[want-1].Seq != int64(n)) {
		t.Fatalf("Messages over the cap: %d messages, hasMore=%v, want %d newest", len(msgs), more, want)
	}
}

// testConcurrentResends sends one client id from many goroutines at once, over several rounds:
// each round stores exactly one message and every caller gets it.
func testConcurrentResends(t *testing.T, s fechatter.Store) {
	const workers, rounds = 8, 10
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	f.send(g.ID, tm.bob.ID, "warmup", "so the duplicate is not seq 1 by accident")
	for round := range rounds {
		resendRound(t, f, g.ID, tm.alice.ID, fmt.Sprintf("same-%d", round), workers, int64(round+2))
	}
	if c := f.chat(g.ID); c.LastSeq != rounds+1 {
		t.Fatalf("Chat.LastSeq = %d, want %d", c.LastSeq, rounds+1)
	}
	checkTimeline(t, f, g.ID, rounds+1)
}

// resendRound sends clientID from workers goroutines at once and checks that exactly one
// stored it, at wantSeq, and that all got the same message.
func resendRound(t *testing.T, f *fx, chatID, sender int64, clientID string, workers int, wantSeq int64) {
	t.Helper()
	type result struct {
		ev      fechatter.Event
		created bool
		err     error
	}
	start := make(chan struct{})
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			ev, created, err := f.s.Send(f.ctx, fechatter.SendParams{
				ChatID: chatID, SenderID: sender, ClientID: clientID, Text: "only once",
			})
			results[w] = result{ev, created, err}
		})
	}
	close(start)
	wg.Wait()
	created := 0
	for w, r := range results {
		f.ok(r.err, fmt.Sprintf("%s worker %d", clientID, w))
		if r.created {
			created++
		}
		if r.ev.Message.ID != results[0].ev.Message.ID || r.ev.Seq != wantSeq || r.ev.Message.Text != "only once" {
			t.Fatalf("%s: worker %d got %+v, worker 0 got %+v", clientID, w, r.ev, results[0].ev)
		}
	}
	if created != 1 {
		t.Fatalf("%s: %d callers got created=true, want exactly 1", clientID, created)
	}
}

// testConcurrentCrossChat sends one client id to two chats at once, over several rounds: one
// chat gets the message, every sender to it gets that message, every other caller EConflict.
func testConcurrentCrossChat(t *testing.T, s fechatter.Store) {
	const workers, rounds = 8, 5
	f := newFx(t, s)
	tm := f.team()
	chats := []int64{f.group(tm.alice, tm.bob).ID, f.group(tm.alice, tm.carol).ID}
	lastSeq := map[int64]int64{}
	for round := range rounds {
		clientID := fmt.Sprintf("cross-%d", round)
		evs := make([]fechatter.Event, workers)
		created := make([]bool, workers)
		errs := make([]error, workers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				<-start
				evs[w], created[w], errs[w] = s.Send(f.ctx, fechatter.SendParams{
					ChatID: chats[w%2], SenderID: tm.alice.ID, ClientID: clientID, Text: "where?",
				})
			})
		}
		close(start)
		wg.Wait()
		winner := int64(0)
		for w := range workers {
			if created[w] {
				if winner != 0 {
					t.Fatalf("%s: stored twice", clientID)
				}
				winner = evs[w].ChatID
			}
		}
		lastSeq[winner]++
		for w := range workers {
			if chats[w%2] == winner {
				f.ok(errs[w], fmt.Sprintf("%s worker %d in the winning chat", clientID, w))
				if evs[w].ChatID != winner || evs[w].Seq != lastSeq[winner] {
					t.Fatalf("%s: worker %d got %+v", clientID, w, evs[w])
				}
			} else {
				f.code(errs[w], fechatter.EConflict, fmt.Sprintf("%s worker %d in the losing chat", clientID, w))
			}
		}
	}
	for _, id := range chats {
		if c := f.chat(id); c.LastSeq != lastSeq[id] {
			t.Fatalf("chat %d: LastSeq = %d, want %d", id, c.LastSeq, lastSeq[id])
		}
	}
}
