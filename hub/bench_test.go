package hub_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

// BenchmarkAckedSends measures durable, acknowledged sends per second through the real
// WebSocket path (frame → validate → store commit → NATS publish → ack) with 32 connections
// sending closed-loop into 8 group chats of 4 members, every member connected and receiving.
//
//	go test -run '^$' -bench AckedSends -benchtime 20000x ./hub/
func BenchmarkAckedSends(b *testing.B) {
	for _, be := range []struct {
		name       string
		opts       ft.Options
		clickhouse bool // analytics on: every send also emits a usage event to ClickHouse
	}{
		{"sqlite+embedded", ft.Options{}, false},
		{"sqlite+embedded+clickhouse", ft.Options{}, true},
		{"postgres+nats", ft.Options{Postgres: true, NATSURL: ft.NATSURL()}, false},
	} {
		b.Run(be.name, func(b *testing.B) {
			var chURL string
			if be.clickhouse {
				chURL = ft.ClickHouseURL(b)
			}
			be.opts.Tune = func(c *node.Config) { c.FrameRate = 1e6; c.ClickHouseURL = chURL }
			benchSends(b, ft.Start(b, be.opts))
		})
	}
}

func benchSends(b *testing.B, s *ft.Server) {
	const users, perChat = 32, 4
	ws := fmt.Sprintf("bench-%d", seq.Add(1))
	accts := make([]ft.Account, users)
	for i := range accts {
		accts[i] = s.Signup(b, email("bench"), ws)
	}
	chatOf := make([]int64, users)
	for g := 0; g < users/perChat; g++ {
		var ids []int64
		for _, a := range accts[g*perChat+1 : (g+1)*perChat] {
			ids = append(ids, a.User.ID)
		}
		c := s.CreateChat(b, accts[g*perChat], fechatter.ChatGroup, "bench", ids...)
		for i := g * perChat; i < (g+1)*perChat; i++ {
			chatOf[i] = c.ID
		}
	}
	conns := make([]*ft.Conn, users)
	for i, a := range accts {
		conns[i] = s.Dial(b, a.AccessToken)
		conns[i].Ready()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
				c.Send(map[string]any{"type": "send", "chat_id": chatOf[i], "client_id": newUUID(), "text": "benchmark message"})
				c.WaitFor(ft.Wait, ft.Type("ack"))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
