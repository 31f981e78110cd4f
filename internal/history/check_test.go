package history_test

import (
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/internal/history"
)

// h builds a small history: two clients in chat 1 that start at seq 0; client 0 sends "a" (seq
// 1) and "b" (seq 2), both acked and delivered to both.
func h() ([]history.Op, []history.Chat) {
	r := history.NewRecorder()
	for k := range 2 {
		r.Add(history.Op{Client: k, Chat: 1, Kind: history.Resume})
	}
	r.Add(history.Op{Client: 0, Chat: 1, Kind: history.Send, ClientID: "A", Text: "a"})
	r.Add(history.Op{Client: 0, Chat: 1, Kind: history.Send, ClientID: "B", Text: "b"})
	r.Add(history.Op{Client: 0, Chat: 1, Kind: history.Ack, Seq: 1, MsgID: 10, ClientID: "A"})
	r.Add(history.Op{Client: 0, Chat: 1, Kind: history.Ack, Seq: 2, MsgID: 11, ClientID: "B"})
	for k := range 2 {
		r.Add(history.Op{Client: k, Chat: 1, Kind: history.Event, Type: "message", Seq: 1, MsgID: 10, ClientID: "A", Text: "a"})
		r.Add(history.Op{Client: k, Chat: 1, Kind: history.Event, Type: "message", Seq: 2, MsgID: 11, ClientID: "B", Text: "b"})
	}
	chats := []history.Chat{{ID: 1, LastSeq: 2, Members: []int{0, 1}, Messages: []fechatter.Message{
		{ID: 10, ChatID: 1, Seq: 1, ClientID: "A", Text: "a"}, {ID: 11, ChatID: 1, Seq: 2, ClientID: "B", Text: "b"}}}}
	return r.Ops(), chats
}

func wantRule(t *testing.T, v history.Verdict, rule string) {
	t.Helper()
	for _, x := range v.Violations {
		if x.Rule == rule {
			if len(x.Excerpt) == 0 && rule != "lost" {
				t.Errorf("%s violation without an excerpt", rule)
			}
			return
		}
	}
	t.Fatalf("want a %s violation, got: %s", rule, v)
}

func TestCheckPassesACleanHistory(t *testing.T) {
	ops, chats := h()
	v := history.Check(ops, chats)
	if !v.OK() || v.Acked != 2 || v.Deliveries != 4 {
		t.Fatalf("%s", v)
	}
	if !strings.HasPrefix(v.String(), "history OK") {
		t.Fatalf("verdict %q", v)
	}
}

func TestCheckFindsEachBrokenGuarantee(t *testing.T) {
	cases := []struct {
		rule string
		mod  func([]history.Op, []history.Chat) ([]history.Op, []history.Chat)
	}{
		{"gap", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			return remove(o, func(x history.Op) bool { return x.Kind == history.Event && x.Client == 1 && x.Seq == 1 }), c
		}},
		{"duplicate", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			return append(o, history.Op{Client: 1, Chat: 1, Kind: history.Event, Type: "message", Seq: 2, MsgID: 11, ClientID: "B", Text: "b"}), c
		}},
		{"lost", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			return remove(o, func(x history.Op) bool { return x.Kind == history.Event && x.Client == 1 && x.Seq == 2 }), c
		}},
		{"phantom", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			return remove(o, func(x history.Op) bool { return x.Kind == history.Send && x.ClientID == "B" }), c
		}},
		{"diverged", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			for i := range o {
				if o[i].Kind == history.Event && o[i].Client == 1 && o[i].Seq == 2 {
					o[i].MsgID = 12
				}
			}
			return o, c
		}},
		{"phantom", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			for i := range o {
				if o[i].Kind == history.Event && o[i].Client == 1 && o[i].Seq == 2 {
					o[i].Text = "never written"
				}
			}
			return o, c
		}},
		{"stored-twice", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			c[0].Messages = append(c[0].Messages, fechatter.Message{ID: 12, ChatID: 1, Seq: 3, ClientID: "B", Text: "b"})
			return o, c
		}},
		{"state", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			c[0].Messages[0].Text = "edited behind everyone's back"
			return o, c
		}},
		{"lost", func(o []history.Op, c []history.Chat) ([]history.Op, []history.Chat) {
			c[0].Messages = c[0].Messages[1:] // an acked message is not stored
			return o, c
		}},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			ops, chats := h()
			ops, chats = tc.mod(ops, chats)
			v := history.Check(ops, chats)
			if v.OK() || !strings.HasPrefix(v.String(), "history FAILED") {
				t.Fatalf("not caught: %s", v)
			}
			wantRule(t, v, tc.rule)
		})
	}
}

// Edits, deletes and reactions replayed in seq order must give the stored message.
func TestCheckAppliesChangesInOrder(t *testing.T) {
	ops, chats := h()
	ops = append(ops,
		history.Op{Client: 1, Chat: 1, Kind: history.Request, Type: "edit", MsgID: 10, Text: "a2"},
		history.Op{Client: 1, Chat: 1, Kind: history.Request, Type: "react", MsgID: 11, UserID: 7, Emoji: "👍"})
	for k := range 2 {
		ops = append(ops,
			history.Op{Client: k, Chat: 1, Kind: history.Event, Type: "message_edited", Seq: 3, MsgID: 10, ClientID: "A", Text: "a2"},
			history.Op{Client: k, Chat: 1, Kind: history.Event, Type: "reaction", Seq: 4, MsgID: 11, UserID: 7, Emoji: "👍", Added: true})
	}
	chats[0].LastSeq = 4
	chats[0].Messages[0].Text = "a2"
	chats[0].Messages[1].Reactions = []fechatter.Reaction{{Emoji: "👍", Count: 1, UserIDs: []int64{7}}}
	if v := history.Check(ops, chats); !v.OK() {
		t.Fatalf("%s", v)
	}
	chats[0].Messages[1].Reactions = nil
	wantRule(t, history.Check(ops, chats), "state")
}

// A resync lets the client skip to what it pages over REST.
func TestCheckAcceptsAResync(t *testing.T) {
	ops, chats := h()
	ops = remove(ops, func(x history.Op) bool { return x.Kind == history.Event && x.Client == 1 })
	ops = append(ops, history.Op{Client: 1, Chat: 1, Kind: history.Resync})
	if v := history.Check(ops, chats); !v.OK() || v.Resyncs != 1 {
		t.Fatalf("%s", v)
	}
}

func remove(ops []history.Op, drop func(history.Op) bool) []history.Op {
	var out []history.Op
	for _, o := range ops {
		if !drop(o) {
			out = append(out, o)
		}
	}
	return out
}
