package storetest

import (
	"strings"
	"testing"

	"github.com/fechatter/fechatter"
)

func testCreateGroupAndChannel(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws := tm.alice.WorkspaceID
	g := f.group(tm.alice, tm.bob, tm.carol)
	if g.ID == 0 || g.WorkspaceID != ws || g.Kind != fechatter.ChatGroup || g.Name != "team" ||
		g.OwnerID != tm.alice.ID || g.LastSeq != 0 || g.Archived {
		t.Fatalf("CreateChat group = %+v", g)
	}
	wantUTC(t, "Chat.CreatedAt", g.CreatedAt)
	wantIDs(t, "group MemberIDs", g.MemberIDs, []int64{tm.alice.ID, tm.bob.ID, tm.carol.ID})

	got := f.chat(g.ID)
	if d := diffChat(got, g); d != "" {
		t.Fatalf("Chat after CreateChat: %s", d)
	}
	wantIDs(t, "Chat MemberIDs", got.MemberIDs, g.MemberIDs)
	_, err := s.Chat(f.ctx, g.ID+1000)
	f.code(err, fechatter.ENotFound, "Chat unknown")

	m, err := s.Member(f.ctx, g.ID, tm.alice.ID)
	f.ok(err, "Member creator")
	if m.Role != fechatter.RoleOwner || m.ChatID != g.ID || m.UserID != tm.alice.ID || m.LastReadSeq != 0 {
		t.Fatalf("creator membership = %+v", m)
	}
	wantUTC(t, "Member.JoinedAt", m.JoinedAt)
	m, err = s.Member(f.ctx, g.ID, tm.bob.ID)
	f.ok(err, "Member bob")
	if m.Role != fechatter.RoleMember {
		t.Fatalf("invited membership = %+v", m)
	}
	_, err = s.Member(f.ctx, g.ID, tm.zed.ID)
	f.code(err, fechatter.ENotFound, "Member of a non-member")

	for _, private := range []bool{false, true} {
		c := f.createChat(fechatter.CreateChatParams{
			WorkspaceID: ws, CreatorID: tm.bob.ID, Kind: fechatter.ChatChannel,
			Name: map[bool]string{false: "general", true: "secret"}[private], Private: private, // names are unique
		})
		if c.Kind != fechatter.ChatChannel || c.Private != private || c.OwnerID != tm.bob.ID {
			t.Fatalf("CreateChat channel private=%v = %+v", private, c)
		}
		wantIDs(t, "channel MemberIDs", c.MemberIDs, []int64{tm.bob.ID})
		if d := diffChat(f.chat(c.ID), c); d != "" {
			t.Fatalf("Chat channel: %s", d)
		}
	}
	// The creator listed among MemberIDs, and duplicates, are members once.
	c := f.createChat(fechatter.CreateChatParams{
		WorkspaceID: ws, CreatorID: tm.alice.ID, Kind: fechatter.ChatGroup, Name: "dups",
		MemberIDs: []int64{tm.alice.ID, tm.bob.ID, tm.bob.ID},
	})
	wantIDs(t, "MemberIDs with duplicates", c.MemberIDs, []int64{tm.alice.ID, tm.bob.ID})
}

func testCreateDirect(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws := tm.alice.WorkspaceID
	direct := func(creator, other int64) fechatter.CreateChatParams {
		return fechatter.CreateChatParams{
			WorkspaceID: ws, CreatorID: creator, Kind: fechatter.ChatDirect, MemberIDs: []int64{other},
		}
	}
	d := f.createChat(direct(tm.alice.ID, tm.bob.ID))
	if d.Kind != fechatter.ChatDirect || d.Name != "" || d.OwnerID != tm.alice.ID {
		t.Fatalf("CreateChat direct = %+v", d)
	}
	wantIDs(t, "direct MemberIDs", d.MemberIDs, []int64{tm.alice.ID, tm.bob.ID})

	for _, p := range []fechatter.CreateChatParams{direct(tm.alice.ID, tm.bob.ID), direct(tm.bob.ID, tm.alice.ID)} {
		again, created, err := s.CreateChat(f.ctx, p)
		f.ok(err, "CreateChat direct again")
		if created || again.ID != d.ID {
			t.Fatalf("re-creating a direct chat: created=%v chat=%+v, want existing %d", created, again, d.ID)
		}
		if diffChat(again, d) != "" {
			t.Fatalf("re-created direct chat = %+v, want %+v", again, d)
		}
		wantIDs(t, "existing direct MemberIDs", again.MemberIDs, d.MemberIDs)
	}
	other := f.createChat(direct(tm.alice.ID, tm.carol.ID))
	if other.ID == d.ID {
		t.Fatalf("direct chat with carol reused the chat with bob")
	}

	bad := map[string][]int64{
		"no other member":      nil,
		"only the creator":     {tm.alice.ID},
		"three members":        {tm.bob.ID, tm.carol.ID},
		"member of another ws": {tm.zed.ID},
	}
	for name, ids := range bad {
		p := direct(tm.alice.ID, 0)
		p.MemberIDs = ids
		_, _, err := s.CreateChat(f.ctx, p)
		f.code(err, fechatter.EInvalid, "CreateChat direct with "+name)
	}
	p := direct(tm.alice.ID, tm.bob.ID)
	p.Name = "named"
	_, _, err := s.CreateChat(f.ctx, p)
	f.code(err, fechatter.EInvalid, "CreateChat direct with a name")

	list, err := s.ChatsForUser(f.ctx, tm.alice.ID)
	f.ok(err, "ChatsForUser")
	if len(list) != 2 {
		t.Fatalf("alice has %d chats, want 2 direct chats: %+v", len(list), list)
	}
}

func testCreateChatInvalid(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	ws := tm.alice.WorkspaceID
	f.ok(s.SetUserDisabled(f.ctx, tm.carol.ID, true), "disable carol")
	base := fechatter.CreateChatParams{WorkspaceID: ws, CreatorID: tm.alice.ID, Kind: fechatter.ChatGroup, Name: "x"}
	cases := map[string]func(p *fechatter.CreateChatParams){
		"member of another workspace": func(p *fechatter.CreateChatParams) { p.MemberIDs = []int64{tm.bob.ID, tm.zed.ID} },
		"unknown member":              func(p *fechatter.CreateChatParams) { p.MemberIDs = []int64{tm.zed.ID + 1000} },
		"disabled member":             func(p *fechatter.CreateChatParams) { p.MemberIDs = []int64{tm.carol.ID} },
		"creator of another ws":       func(p *fechatter.CreateChatParams) { p.CreatorID = tm.zed.ID },
		"unknown kind":                func(p *fechatter.CreateChatParams) { p.Kind = "forum" },
		"name too long": func(p *fechatter.CreateChatParams) {
			p.Name = strings.Repeat("é", fechatter.MaxChatName+1)
		},
	}
	for name, mut := range cases {
		p := base
		mut(&p)
		_, _, err := s.CreateChat(f.ctx, p)
		f.code(err, fechatter.EInvalid, "CreateChat "+name)
	}
	for _, u := range []fechatter.User{tm.alice, tm.bob, tm.zed} {
		list, err := s.ChatsForUser(f.ctx, u.ID)
		f.ok(err, "ChatsForUser")
		if len(list) != 0 {
			t.Fatalf("failed CreateChat calls left chats behind for %s: %+v", u.Email, list)
		}
	}
}

func testUpdateChat(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	name, private, archived := "renamed", true, true

	c, err := s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Name: &name})
	f.ok(err, "UpdateChat name")
	if c.Name != name || c.Private != g.Private || c.Archived || c.ID != g.ID || c.OwnerID != g.OwnerID {
		t.Fatalf("UpdateChat name = %+v", c)
	}
	c, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Private: &private, Archived: &archived})
	f.ok(err, "UpdateChat private+archived")
	if c.Name != name || !c.Private || !c.Archived {
		t.Fatalf("UpdateChat private+archived = %+v", c)
	}
	if d := diffChat(f.chat(g.ID), c); d != "" {
		t.Fatalf("Chat after UpdateChat: %s", d)
	}
	c, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{})
	f.ok(err, "UpdateChat nothing")
	if c.Name != name || !c.Private || !c.Archived {
		t.Fatalf("empty UpdateChat changed the chat: %+v", c)
	}
	archived = false
	c, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &archived})
	f.ok(err, "UpdateChat unarchive")
	if c.Archived {
		t.Fatalf("UpdateChat unarchive = %+v", c)
	}
	_, err = s.UpdateChat(f.ctx, g.ID+1000, fechatter.ChatUpdate{Name: &name})
	f.code(err, fechatter.ENotFound, "UpdateChat unknown")
	long := strings.Repeat("é", fechatter.MaxChatName+1)
	_, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Name: &long})
	f.code(err, fechatter.EInvalid, "UpdateChat name too long")
	longest := strings.Repeat("é", fechatter.MaxChatName) // limits count characters, not bytes
	c, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Name: &longest})
	f.ok(err, "UpdateChat name of MaxChatName characters")
	if c.Name != longest {
		t.Fatalf("UpdateChat name = %q", c.Name)
	}
}

func testAddMembers(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	dave := f.signup("dave@acme.io", "Acme", "Dave")
	g := f.group(tm.alice, tm.bob)
	f.send(g.ID, tm.bob.ID, "b1", "before carol joined")

	evs, err := s.AddMembers(f.ctx, g.ID, tm.alice.ID, []int64{tm.bob.ID, tm.carol.ID, dave.ID, dave.ID})
	f.ok(err, "AddMembers")
	wantIDs(t, "AddMembers result", joined(evs), []int64{tm.carol.ID, dave.ID})
	for i, ev := range evs {
		if ev.Kind != fechatter.EventMemberJoined || ev.ChatID != g.ID || ev.Seq != int64(2+i) || ev.ActorID != tm.alice.ID {
			t.Fatalf("AddMembers event %d = %+v, want member_joined at seq %d by alice", i, ev, 2+i)
		}
	}
	// The joins are timeline events: they replay in order with the messages.
	replay, err := s.Events(f.ctx, g.ID, 0, 10)
	f.ok(err, "Events")
	if len(replay) != 3 || replay[1].Kind != fechatter.EventMemberJoined || replay[2].UserID != dave.ID ||
		replay[2].ActorID != tm.alice.ID || replay[1].Message.ID != 0 {
		t.Fatalf("Events after AddMembers = %+v", replay)
	}
	wantIDs(t, "MemberIDs after AddMembers", f.chat(g.ID).MemberIDs,
		[]int64{tm.alice.ID, tm.bob.ID, tm.carol.ID, dave.ID})
	m, err := s.Member(f.ctx, g.ID, tm.carol.ID)
	f.ok(err, "Member carol")
	if m.Role != fechatter.RoleMember {
		t.Fatalf("added member = %+v", m)
	}
	// Members added later start with the chat read up to its last seq before they joined.
	if cs := f.summary(tm.carol.ID, g.ID); cs.Unread != 0 || cs.LastReadSeq != 1 {
		t.Fatalf("new member's summary = %+v, want last_read_seq 1 and no unread", cs)
	}

	evs, err = s.AddMembers(f.ctx, g.ID, tm.alice.ID, []int64{tm.carol.ID})
	f.ok(err, "AddMembers again")
	if len(evs) != 0 || f.chat(g.ID).LastSeq != 3 {
		t.Fatalf("AddMembers of existing members returned %v or moved the seq", evs)
	}
	_, err = s.AddMembers(f.ctx, g.ID, tm.alice.ID, []int64{tm.zed.ID})
	f.code(err, fechatter.EInvalid, "AddMembers from another workspace")
	_, err = s.AddMembers(f.ctx, g.ID+1000, tm.alice.ID, []int64{tm.carol.ID})
	f.code(err, fechatter.ENotFound, "AddMembers unknown chat")
	if _, err := s.Member(f.ctx, g.ID, tm.zed.ID); fechatter.ErrorCode(err) != fechatter.ENotFound {
		t.Fatalf("a refused AddMembers added zed: %v", err)
	}
}

func joined(evs []fechatter.Event) []int64 {
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		ids[i] = ev.UserID
	}
	return ids
}

func testRemoveMember(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	f.send(g.ID, tm.carol.ID, "c1", "bye")
	ev, err := s.RemoveMember(f.ctx, g.ID, tm.carol.ID, tm.alice.ID)
	f.ok(err, "RemoveMember")
	if ev.Kind != fechatter.EventMemberLeft || ev.Seq != 2 || ev.UserID != tm.carol.ID || ev.ActorID != tm.alice.ID {
		t.Fatalf("RemoveMember event = %+v, want member_left of carol by alice at seq 2", ev)
	}
	replay, err := s.Events(f.ctx, g.ID, 1, 10)
	f.ok(err, "Events")
	if len(replay) != 1 || replay[0].Kind != ev.Kind || replay[0].Seq != ev.Seq || replay[0].UserID != ev.UserID || replay[0].ActorID != ev.ActorID ||
		replay[0].At.IsZero() || !replay[0].At.Equal(ev.At) {
		t.Fatalf("Events after RemoveMember = %+v, want [%+v]", replay, ev)
	}
	_, err = s.Member(f.ctx, g.ID, tm.carol.ID)
	f.code(err, fechatter.ENotFound, "Member after RemoveMember")
	wantIDs(t, "MemberIDs after RemoveMember", f.chat(g.ID).MemberIDs, []int64{tm.alice.ID, tm.bob.ID})
	_, err = s.RemoveMember(f.ctx, g.ID, tm.carol.ID, tm.alice.ID)
	f.code(err, fechatter.ENotFound, "RemoveMember again")
	_, err = s.RemoveMember(f.ctx, g.ID, tm.zed.ID, tm.alice.ID)
	f.code(err, fechatter.ENotFound, "RemoveMember non-member")
	_, err = s.RemoveMember(f.ctx, g.ID+1000, tm.bob.ID, tm.alice.ID)
	f.code(err, fechatter.ENotFound, "RemoveMember unknown chat")
	if c := f.chat(g.ID); c.LastSeq != 2 {
		t.Fatalf("failed removals moved the seq to %d", c.LastSeq)
	}
	// A removed member can no longer write, and learns nothing of the chat.
	_, _, err = s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: tm.carol.ID, ClientID: "c2", Text: "still here?"})
	f.code(err, fechatter.ENotFound, "Send by a removed member")
	list, err := s.ChatsForUser(f.ctx, tm.carol.ID)
	f.ok(err, "ChatsForUser")
	if len(list) != 0 {
		t.Fatalf("removed member still lists the chat: %+v", list)
	}
}

func testDirectMembershipFixed(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	d := f.createChat(fechatter.CreateChatParams{
		WorkspaceID: tm.alice.WorkspaceID, CreatorID: tm.alice.ID, Kind: fechatter.ChatDirect,
		MemberIDs: []int64{tm.bob.ID},
	})
	_, err := s.AddMembers(f.ctx, d.ID, tm.alice.ID, []int64{tm.carol.ID})
	f.code(err, fechatter.EInvalid, "AddMembers to a direct chat")
	_, err = s.RemoveMember(f.ctx, d.ID, tm.bob.ID, tm.bob.ID)
	f.code(err, fechatter.EInvalid, "RemoveMember from a direct chat")
	name := "x"
	_, err = s.UpdateChat(f.ctx, d.ID, fechatter.ChatUpdate{Name: &name})
	f.code(err, fechatter.EInvalid, "naming a direct chat")
	wantIDs(t, "direct MemberIDs", f.chat(d.ID).MemberIDs, []int64{tm.alice.ID, tm.bob.ID})
}

func testChatsForUser(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	d := f.createChat(fechatter.CreateChatParams{
		WorkspaceID: tm.alice.WorkspaceID, CreatorID: tm.bob.ID, Kind: fechatter.ChatDirect,
		MemberIDs: []int64{tm.alice.ID},
	})
	b1 := f.send(g.ID, tm.bob.ID, "b1", "one")
	f.send(g.ID, tm.alice.ID, "a1", "mine")
	b2 := f.send(g.ID, tm.bob.ID, "b2", "two")
	f.send(g.ID, tm.bob.ID, "b3", "three")
	f.send(g.ID, tm.alice.ID, "a2", "mine too")
	_, err := s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: b2.Message.ID, ActorID: tm.bob.ID})
	f.ok(err, "Delete")
	f.send(d.ID, tm.bob.ID, "d1", "psst")

	list, err := s.ChatsForUser(f.ctx, tm.alice.ID)
	f.ok(err, "ChatsForUser alice")
	if len(list) != 2 {
		t.Fatalf("alice has %d chats, want 2: %+v", len(list), list)
	}
	cs := f.summary(tm.alice.ID, g.ID)
	if d := diffChat(cs.Chat, f.chat(g.ID)); d != "" {
		t.Fatalf("summary chat: %s", d)
	}
	// b1 and b3 are unread; b2 is deleted and a1, a2 are alice's own.
	if cs.LastSeq != 6 || cs.LastReadSeq != 0 || cs.Unread != 2 || cs.Role != fechatter.RoleOwner {
		t.Fatalf("alice's group summary = %+v, want last_seq 6, last_read 0, unread 2, owner", cs)
	}
	if cs := f.summary(tm.bob.ID, g.ID); cs.Unread != 2 || cs.Role != fechatter.RoleMember {
		t.Fatalf("bob's group summary = %+v, want unread 2 (a1, a2), member", cs)
	}
	if cs := f.summary(tm.alice.ID, d.ID); cs.Unread != 1 || cs.LastSeq != 1 || cs.Kind != fechatter.ChatDirect {
		t.Fatalf("alice's direct summary = %+v, want unread 1", cs)
	}

	_, err = s.MarkRead(f.ctx, g.ID, tm.alice.ID, b1.Seq)
	f.ok(err, "MarkRead")
	if cs := f.summary(tm.alice.ID, g.ID); cs.Unread != 1 || cs.LastReadSeq != b1.Seq {
		t.Fatalf("after MarkRead(b1): %+v, want unread 1", cs)
	}
	_, err = s.MarkRead(f.ctx, g.ID, tm.alice.ID, 6)
	f.ok(err, "MarkRead all")
	if cs := f.summary(tm.alice.ID, g.ID); cs.Unread != 0 || cs.LastReadSeq != 6 {
		t.Fatalf("after MarkRead(6): %+v, want unread 0", cs)
	}
	list, err = s.ChatsForUser(f.ctx, tm.carol.ID)
	f.ok(err, "ChatsForUser carol")
	if len(list) != 0 {
		t.Fatalf("carol has chats: %+v", list)
	}
}

func testMarkRead(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	for i := range 6 {
		f.send(g.ID, tm.bob.ID, string(rune('a'+i)), "m")
	}
	mark := func(seq, want int64) {
		t.Helper()
		got, err := s.MarkRead(f.ctx, g.ID, tm.alice.ID, seq)
		f.ok(err, "MarkRead")
		if got != want {
			t.Fatalf("MarkRead(%d) = %d, want %d", seq, got, want)
		}
	}
	mark(4, 4)
	mark(2, 4) // never backwards
	mark(4, 4)
	mark(6, 6)
	m, err := s.Member(f.ctx, g.ID, tm.alice.ID)
	f.ok(err, "Member")
	if m.LastReadSeq != 6 {
		t.Fatalf("Member.LastReadSeq = %d, want 6", m.LastReadSeq)
	}
	_, err = s.MarkRead(f.ctx, g.ID, tm.alice.ID, 7)
	f.code(err, fechatter.EInvalid, "MarkRead beyond last_seq")
	_, err = s.MarkRead(f.ctx, g.ID, tm.alice.ID, -1)
	f.code(err, fechatter.EInvalid, "MarkRead negative")
	_, err = s.MarkRead(f.ctx, g.ID, tm.carol.ID, 1)
	f.code(err, fechatter.ENotFound, "MarkRead by a non-member")
	_, err = s.MarkRead(f.ctx, g.ID+1000, tm.alice.ID, 1)
	f.code(err, fechatter.ENotFound, "MarkRead unknown chat")
	if m, _ := s.Member(f.ctx, g.ID, tm.bob.ID); m.LastReadSeq != 0 {
		t.Fatalf("alice's MarkRead moved bob's read state: %+v", m)
	}
}
