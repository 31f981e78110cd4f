package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter"
)

// BenchSend measures acknowledged sends: parallel goroutines (4 per GOMAXPROCS) send to a few
// chats of one workspace, and the sends/s metric is reported. s must be a fresh store.
func BenchSend(b *testing.B, s fechatter.Store) {
	const nUsers, nChats = 8, 4
	ctx := b.Context()
	users := make([]fechatter.User, nUsers)
	for i := range users {
		u, err := s.Signup(ctx, fechatter.SignupParams{
			Email: fmt.Sprintf("u%d@bench.io", i), PasswordHash: "x", Fullname: fmt.Sprintf("User %d", i), Workspace: "Bench",
		})
		if err != nil {
			b.Fatalf("Signup: %v", err)
		}
		users[i] = u
	}
	ids := make([]int64, 0, nUsers-1)
	for _, u := range users[1:] {
		ids = append(ids, u.ID)
	}
	chats := make([]int64, nChats)
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

	var workers atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := workers.Add(1)
		p := fechatter.SendParams{ChatID: chats[w%nChats], SenderID: users[w%nUsers].ID, Text: "benchmark message"}
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
