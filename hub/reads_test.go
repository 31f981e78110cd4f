package hub_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter"
	ft "github.com/fechatter/fechatter/internal/fechattertest"
	"github.com/fechatter/fechatter/internal/node"
)

type readyChat struct {
	ID           int64                     `json:"id"`
	LastSeq      int64                     `json:"last_seq"`
	LastReadSeq  int64                     `json:"last_read_seq"`
	Unread       int64                     `json:"unread"`
	MentionCount int64                     `json:"mention_count"`
	Reads        *[]fechatter.ReadPosition `json:"reads"`
}

func readyChats(t *testing.T, e ft.Event) map[int64]readyChat {
	t.Helper()
	var r struct{ Chats []readyChat }
	if err := json.Unmarshal(e.Raw, &r); err != nil {
		t.Fatal(err)
	}
	out := map[int64]readyChat{}
	for _, c := range r.Chats {
		out[c.ID] = c
	}
	return out
}

// Read markers are ephemeral, so the ready event carries the read state a reconnecting client
// missed: its own read position and counts (moved by another device meanwhile) and, in chats
// within the presence fan-out, every member's position for "seen by". Larger chats carry no
// reads (GET /chats/{id}/reads). SQLite + embedded NATS, PostgreSQL + external NATS.
func TestReadyCarriesReadPositions(t *testing.T) {
	backends(t, func(t *testing.T, opts ft.Options) {
		{
			opts.Tune = func(c *node.Config) { c.PresenceFanout = 2 }
			p := newPair(t, opts)
			big := p.s.CreateChat(t, p.alice, fechatter.ChatGroup, "three", p.bob.User.ID, p.s.Signup(t, email("cleo"), p.workspace).User.ID)
			a := p.s.Dial(t, p.alice.AccessToken)
			a.Ready()
			for i := range 3 {
				a.Send(sendFrame(p.chat.ID, fmt.Sprint("m", i)))
				a.WaitFor(wait, ft.Type("ack"))
			}
			a.Send(sendFrame(p.chat.ID, fmt.Sprintf("<@%d> look", p.bob.User.ID)))
			a.WaitFor(wait, ft.Type("ack"))
			a.C.CloseNow()

			// While this socket is away, bob reads up to 2 and alice's other device up to 3.
			p.s.MustDo(t, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/read", p.chat.ID), p.bob.AccessToken, map[string]int64{"seq": 2}, nil)
			p.s.MustDo(t, 200, "POST", fmt.Sprintf("/api/v1/chats/%d/read", p.chat.ID), p.alice.AccessToken, map[string]int64{"seq": 3}, nil)

			a2 := p.s.Dial(t, p.alice.AccessToken)
			chats := readyChats(t, a2.Ready())
			dm := chats[p.chat.ID]
			if dm.LastSeq != 4 || dm.LastReadSeq != 3 || dm.Unread != 0 || dm.Reads == nil {
				t.Fatalf("alice's ready for the DM: %+v", dm)
			}
			want := map[int64]int64{p.alice.User.ID: 3, p.bob.User.ID: 2}
			if len(*dm.Reads) != 2 || (*dm.Reads)[0].LastReadSeq != want[(*dm.Reads)[0].UserID] || (*dm.Reads)[1].LastReadSeq != want[(*dm.Reads)[1].UserID] {
				t.Fatalf("DM reads %+v, want %v", *dm.Reads, want)
			}
			if c := chats[big.ID]; c.Reads != nil {
				t.Fatalf("a chat above the fan-out carries reads: %+v", c)
			}

			b := p.s.Dial(t, p.bob.AccessToken)
			mine := readyChats(t, b.Ready())[p.chat.ID]
			if mine.LastReadSeq != 2 || mine.Unread != 2 || mine.MentionCount != 1 {
				t.Fatalf("bob's own read state in ready: %+v", mine)
			}
		}
	})
}
