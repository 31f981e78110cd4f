package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter"
)

const benchUsers, benchChats = 8, 4

// benchSetup makes a workspace of benchUsers users and benchChats group chats of all of them.
func benchSetup(b *testing.B, s fechatter.Store) ([]fechatter.User, []int64) {
	ctx := b.Context()
	users := make([]fechatter.User, benchUsers)
	for i := range users {
		p := fechatter.SignupParams{Email: fmt.Sprintf("u%d@bench.io", i), PasswordHash: "x", Fullname: fmt.Sprintf("User %d", i), Workspace: "Bench"}
		if i > 0 { // the first signup makes the workspace; the others join it
			p.Workspace, p.WorkspaceID = "", users[0].WorkspaceID
		}
		u, err := s.Signup(ctx, p)
		if err != nil {
			b.Fatalf("Signup: %v", err)
		}
		users[i] = u
	}
	ids := make([]int64, 0, benchUsers-1)
	for _, u := range users[1:] {
		ids = append(ids, u.ID)
	}
	chats := make([]int64, benchChats)
	for i := range chats {
		c, _, err := s.CreateChat(ctx, fechatter.CreateChatParams{
			WorkspaceID: users[0].WorkspaceID, CreatorID: users[0].ID, Kind: fechatter.ChatGroup,
			Name: fmt.Sprintf("bench %d", i), MemberIDs: ids,
		})
		if err != nil {
			b.Fatalf("CreateChat: %v", err)
		}
		chats[i] = c.ID
	}
	return users, chats
}

// BenchSend measures acknowledged sends: parallel goroutines (4 per GOMAXPROCS) send to a few
// chats of one workspace, and the sends/s metric is reported. s must be a fresh store.
func BenchSend(b *testing.B, s fechatter.Store) {
	ctx := b.Context()
	users, chats := benchSetup(b, s)
	var workers atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := workers.Add(1)
		p := fechatter.SendParams{ChatID: chats[w%benchChats], SenderID: users[w%benchUsers].ID, Text: "benchmark message"}
		for i := 0; pb.Next(); i++ {
			p.ClientID = fmt.Sprintf("bench-%d-%d", w, i)
			if _, _, err := s.Send(ctx, p); err != nil {
				b.Errorf("Send: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}

// BenchSendBatch measures group commit as the hub's send worker uses it: batches of size
// sends, spread over a few chats, each batch one SendBatch (one transaction, one commit).
// It reports sends/s and commits/s; b.N counts sends.
func BenchSendBatch(b *testing.B, s fechatter.Store, size int) {
	ctx := b.Context()
	users, chats := benchSetup(b, s)
	batch := make([]fechatter.SendParams, 0, size)
	commits := 0
	b.ResetTimer()
	for i := 0; i < b.N; {
		batch = batch[:0]
		for ; len(batch) < size && i < b.N; i++ {
			batch = append(batch, fechatter.SendParams{ChatID: chats[i%benchChats], SenderID: users[i%benchUsers].ID,
				ClientID: fmt.Sprintf("batch-%d", i), Text: "benchmark message"})
		}
		for _, r := range s.SendBatch(ctx, batch) {
			if r.Err != nil {
				b.Fatalf("SendBatch: %v", r.Err)
			}
		}
		commits++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	b.ReportMetric(float64(commits)/b.Elapsed().Seconds(), "commits/s")
}
