package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fechatter/fechatter"
)

func testThreads(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	root := f.send(g.ID, tm.alice.ID, "t0", "root").Message
	reply := func(client string, from int64, thread int64) (fechatter.Event, error) {
		ev, _, err := s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: from, ClientID: client, Text: "reply " + client, ThreadID: thread})
		return ev, err
	}
	r1, err := reply("t1", tm.bob.ID, root.ID)
	f.ok(err, "reply")
	if r1.Message.ThreadID != root.ID || r1.Seq != 2 {
		t.Fatalf("reply = %+v", r1)
	}
	f.send(g.ID, tm.carol.ID, "t2", "in the channel")
	r3, err := reply("t3", tm.carol.ID, r1.Message.ID) // a reply to a reply joins the root's thread
	f.ok(err, "reply to a reply")
	if r3.Message.ThreadID != root.ID || r3.Seq != 4 {
		t.Fatalf("reply to a reply = %+v", r3)
	}
	// The same batch path: a reply in a batch, with a bad thread beside it.
	other := f.group(tm.alice, tm.bob)
	elsewhere := f.send(other.ID, tm.alice.ID, "o1", "other chat").Message
	res := s.SendBatch(f.ctx, []fechatter.SendParams{
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "t4", Text: "batched reply", ThreadID: root.ID},
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "t5", Text: "bad thread", ThreadID: elsewhere.ID},
	})
	f.ok(res[0].Err, "batched reply")
	f.code(res[1].Err, fechatter.EInvalid, "reply to a message of another chat")
	if res[0].Event.Message.ThreadID != root.ID || res[0].Event.Seq != 5 {
		t.Fatalf("batched reply = %+v", res[0].Event)
	}
	_, err = reply("t6", tm.bob.ID, root.ID+1000)
	f.code(err, fechatter.EInvalid, "reply to an unknown message")

	page, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, ThreadID: root.ID, Limit: 10})
	f.ok(err, "thread page")
	if len(page) != 3 || page[0].Seq != 2 || page[2].Seq != 5 {
		t.Fatalf("thread page = %+v", page)
	}
	all, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "history")
	if len(all) != 5 || all[0].ReplyCount != 3 || all[0].LastReplyAt == nil {
		t.Fatalf("root in history = %+v", all[0])
	}

	// Following: the root's author and the repliers follow; replies of others are unread.
	threads := func(u fechatter.User) []fechatter.ThreadSummary {
		t.Helper()
		ts, err := s.Threads(f.ctx, u.ID, 10)
		f.ok(err, "Threads")
		return ts
	}
	// Alice replied last (seq 5): she has read it all.
	if ts := threads(tm.alice); len(ts) != 1 || ts[0].Root.ID != root.ID || ts[0].Unread != 0 || ts[0].LastReadSeq != 5 {
		t.Fatalf("alice's threads = %+v", ts)
	}
	if ts := threads(tm.bob); len(ts) != 1 || ts[0].Unread != 2 || ts[0].LastReadSeq != 2 {
		t.Fatalf("bob's threads = %+v", ts)
	}
	f.ok(s.ReadThread(f.ctx, g.ID, root.ID, tm.bob.ID, 5), "ReadThread")
	if ts := threads(tm.bob); ts[0].Unread != 0 {
		t.Fatalf("bob's threads after reading = %+v", ts)
	}
	f.ok(s.FollowThread(f.ctx, g.ID, root.ID, tm.alice.ID, false), "unfollow")
	if ts := threads(tm.alice); len(ts) != 0 {
		t.Fatalf("alice unfollowed but lists %+v", ts)
	}
	f.code(s.FollowThread(f.ctx, g.ID, r1.Message.ID, tm.alice.ID, true), fechatter.EInvalid, "follow a reply")
	f.code(s.FollowThread(f.ctx, g.ID, root.ID, tm.zed.ID, true), fechatter.ENotFound, "follow as a stranger")

	// Deleting the root keeps its thread readable; deleting a reply takes it off the count.
	f.ok(deleteMsg(f, g.ID, r3.Message.ID, tm.carol.ID), "delete reply")
	f.ok(deleteMsg(f, g.ID, root.ID, tm.alice.ID), "delete root")
	page, _, err = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, ThreadID: root.ID, Limit: 10})
	f.ok(err, "thread page after deletes")
	all, _, _ = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 1, Forward: true})
	if len(page) != 3 || page[0].Text == "" || !all[0].Deleted || all[0].ReplyCount != 2 {
		t.Fatalf("after deletes: thread %+v, root %+v", page, all[0])
	}
}

func testMentions(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	text := fmt.Sprintf("hey <@%d> and <@%d>, not <@%d>", tm.bob.ID, tm.carol.ID, tm.zed.ID)
	m := f.send(g.ID, tm.alice.ID, "m1", text).Message
	if !slices.Equal(m.Mentions, []int64{tm.bob.ID, tm.carol.ID}) || m.Broadcast != "" {
		t.Fatalf("mentions = %v %q, want bob and carol (zed is no member)", m.Mentions, m.Broadcast)
	}
	f.send(g.ID, tm.bob.ID, "m2", "<!channel> standup")
	counts := func(u fechatter.User) int64 {
		t.Helper()
		return f.summary(u.ID, g.ID).MentionCount
	}
	if a, b, c := counts(tm.alice), counts(tm.bob), counts(tm.carol); a != 1 || b != 1 || c != 2 {
		t.Fatalf("mention counts alice %d bob %d carol %d, want 1 1 2", a, b, c)
	}
	_, err := s.MarkRead(f.ctx, g.ID, tm.carol.ID, 1)
	f.ok(err, "MarkRead")
	if c := counts(tm.carol); c != 1 {
		t.Fatalf("carol read past the first mention, count %d, want 1", c)
	}
	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	if msgs[1].Broadcast != fechatter.MentionChannel || len(msgs[0].Mentions) != 2 {
		t.Fatalf("history = %+v", msgs)
	}
	f.ok(deleteMsg(f, g.ID, msgs[1].ID, tm.bob.ID), "delete")
	if c := counts(tm.carol); c != 0 {
		t.Fatalf("a deleted message still counts as a mention: %d", c)
	}
}

func testChannelsTopicsAndReads(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	mk := func(name string, private bool, members ...fechatter.User) fechatter.Chat {
		ids := []int64{}
		for _, m := range members {
			ids = append(ids, m.ID)
		}
		return f.createChat(fechatter.CreateChatParams{WorkspaceID: tm.alice.WorkspaceID, CreatorID: tm.alice.ID,
			Kind: fechatter.ChatChannel, Name: name, Private: private, MemberIDs: ids})
	}
	general := mk("General", false, tm.bob)
	mk("secret", true)
	mk("random", false)
	list, err := s.Channels(f.ctx, tm.alice.WorkspaceID, tm.bob.ID, "", 10)
	f.ok(err, "Channels")
	if len(list) != 2 || list[0].Name != "General" || !list[0].Joined || list[1].Joined {
		t.Fatalf("Channels = %+v", list)
	}
	if list, _ := s.Channels(f.ctx, tm.alice.WorkspaceID, tm.bob.ID, "RAN", 10); len(list) != 1 {
		t.Fatalf("Channels q=RAN = %+v", list)
	}
	if list, _ := s.Channels(f.ctx, tm.zed.WorkspaceID, tm.zed.ID, "", 10); len(list) != 0 {
		t.Fatalf("another workspace sees %+v", list)
	}
	topic := "Company-wide news"
	c, err := s.UpdateChat(f.ctx, general.ID, fechatter.ChatUpdate{Topic: &topic})
	f.ok(err, "UpdateChat topic")
	if c.Topic != topic || f.chat(general.ID).Topic != topic {
		t.Fatalf("topic not kept: %+v", c)
	}
	f.send(general.ID, tm.bob.ID, "g1", "hi")
	_, err = s.MarkRead(f.ctx, general.ID, tm.bob.ID, 1)
	f.ok(err, "MarkRead")
	reads, err := s.Reads(f.ctx, general.ID)
	f.ok(err, "Reads")
	if len(reads) != 2 || reads[0].UserID != tm.alice.ID || reads[1].LastReadSeq != 1 {
		t.Fatalf("Reads = %+v", reads)
	}
}
