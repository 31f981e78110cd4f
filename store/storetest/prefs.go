package storetest

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func testPreferences(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)

	p, err := s.Preferences(f.ctx, tm.alice.ID)
	f.ok(err, "Preferences")
	if p.Notify != fechatter.NotifyMentions || p.Sound || p.DNDUntil != nil || len(p.Chats) != 0 {
		t.Fatalf("fresh preferences = %+v, want the defaults", p)
	}

	all, yes := fechatter.NotifyAll, true
	until := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p, err = s.UpdatePreferences(f.ctx, tm.alice.ID, fechatter.PreferencesUpdate{Notify: &all, Sound: &yes, SetDND: true, DNDUntil: &until})
	f.ok(err, "UpdatePreferences")
	if p.Notify != all || !p.Sound || p.DNDUntil == nil || !p.DNDUntil.Equal(until) {
		t.Fatalf("updated preferences = %+v", p)
	}
	// nil fields stay; SetDND with nil turns do-not-disturb off
	p, err = s.UpdatePreferences(f.ctx, tm.alice.ID, fechatter.PreferencesUpdate{SetDND: true})
	f.ok(err, "UpdatePreferences dnd off")
	if p.Notify != all || !p.Sound || p.DNDUntil != nil {
		t.Fatalf("after turning dnd off = %+v", p)
	}
	bad := fechatter.NotifyLevel("loud")
	_, err = s.UpdatePreferences(f.ctx, tm.alice.ID, fechatter.PreferencesUpdate{Notify: &bad})
	f.code(err, fechatter.EInvalid, "UpdatePreferences with an unknown level")

	// per chat: members only, nil fields stay
	_, err = s.UpdateChatPreference(f.ctx, tm.carol.ID, g.ID, fechatter.ChatPreferenceUpdate{Muted: &yes})
	f.code(err, fechatter.ENotFound, "UpdateChatPreference by a non-member")
	c, err := s.UpdateChatPreference(f.ctx, tm.alice.ID, g.ID, fechatter.ChatPreferenceUpdate{Muted: &yes})
	f.ok(err, "UpdateChatPreference mute")
	if !c.Muted || c.Starred || c.Notify != fechatter.NotifyDefault || c.ChatID != g.ID {
		t.Fatalf("muted chat = %+v", c)
	}
	nothing := fechatter.NotifyNothing
	c, err = s.UpdateChatPreference(f.ctx, tm.alice.ID, g.ID, fechatter.ChatPreferenceUpdate{Starred: &yes, Notify: &nothing})
	f.ok(err, "UpdateChatPreference star")
	if !c.Muted || !c.Starred || c.Notify != nothing {
		t.Fatalf("starred chat = %+v", c)
	}
	p, err = s.Preferences(f.ctx, tm.alice.ID)
	f.ok(err, "Preferences")
	if len(p.Chats) != 1 || p.Chats[0] != c {
		t.Fatalf("chats = %+v, want [%+v]", p.Chats, c)
	}
	if p2, _ := s.Preferences(f.ctx, tm.bob.ID); len(p2.Chats) != 0 {
		t.Fatalf("bob sees alice's marks: %+v", p2.Chats)
	}
	// a chat the user left is no longer listed
	f.removeMember(g.ID, tm.alice.ID)
	p, err = s.Preferences(f.ctx, tm.alice.ID)
	f.ok(err, "Preferences after leaving")
	if len(p.Chats) != 0 {
		t.Fatalf("chats after leaving = %+v", p.Chats)
	}
}

func testChannelNamesUnique(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	channel := func(u fechatter.User, name string) (fechatter.Chat, error) {
		c, _, err := s.CreateChat(f.ctx, fechatter.CreateChatParams{WorkspaceID: u.WorkspaceID, CreatorID: u.ID, Kind: fechatter.ChatChannel, Name: name})
		return c, err
	}
	general, err := channel(tm.alice, "General")
	f.ok(err, "CreateChat General")
	_, err = channel(tm.bob, "general")
	f.code(err, fechatter.EConflict, "a second general, lower case")
	_, err = channel(tm.bob, "GENERAL")
	f.code(err, fechatter.EConflict, "a second general, upper case")
	// another workspace, and groups, may use the name
	_, err = channel(tm.zed, "general")
	f.ok(err, "general in another workspace")
	f.createChat(fechatter.CreateChatParams{WorkspaceID: tm.alice.WorkspaceID, CreatorID: tm.alice.ID, Kind: fechatter.ChatGroup, Name: "general"})

	random, err := channel(tm.alice, "random")
	f.ok(err, "CreateChat random")
	taken := "General"
	_, err = s.UpdateChat(f.ctx, random.ID, fechatter.ChatUpdate{Name: &taken})
	f.code(err, fechatter.EConflict, "renaming random to General")
	// a channel may change its own name's case; after a rename the old name is free
	lower := "general"
	_, err = s.UpdateChat(f.ctx, general.ID, fechatter.ChatUpdate{Name: &lower})
	f.ok(err, "renaming General to general")
	news := "news"
	_, err = s.UpdateChat(f.ctx, general.ID, fechatter.ChatUpdate{Name: &news})
	f.ok(err, "renaming general to news")
	_, err = s.UpdateChat(f.ctx, random.ID, fechatter.ChatUpdate{Name: &taken})
	f.ok(err, "renaming random to the freed General")
	// other changes leave the name alone
	topic := "hello"
	_, err = s.UpdateChat(f.ctx, random.ID, fechatter.ChatUpdate{Topic: &topic})
	f.ok(err, "changing the topic")
}
