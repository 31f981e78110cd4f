package fechatter

import (
	"testing"
	"time"
)

func TestNotifies(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Hour)
	base := DefaultPreferences()
	cases := []struct {
		name    string
		p       Preferences
		kind    ChatKind
		mention bool
		want    bool
	}{
		{"default: a DM notifies", base, ChatDirect, false, true},
		{"default: a mention notifies", base, ChatChannel, true, true},
		{"default: a channel message does not", base, ChatChannel, false, false},
		{"all", Preferences{Notify: NotifyAll}, ChatGroup, false, true},
		{"nothing", Preferences{Notify: NotifyNothing}, ChatDirect, true, false},
		{"do not disturb", Preferences{Notify: NotifyAll, DNDUntil: &later}, ChatDirect, true, false},
		{"do not disturb over", Preferences{Notify: NotifyAll, DNDUntil: &earlier}, ChatGroup, false, true},
		{"muted chat", Preferences{Notify: NotifyAll, Chats: []ChatPreference{{ChatID: 7, Muted: true}}}, ChatDirect, true, false},
		{"chat level over the user's", Preferences{Notify: NotifyNothing, Chats: []ChatPreference{{ChatID: 7, Notify: NotifyAll}}}, ChatChannel, false, true},
		{"another chat's mark", Preferences{Notify: NotifyMentions, Chats: []ChatPreference{{ChatID: 8, Muted: true}}}, ChatDirect, false, true},
	}
	for _, c := range cases {
		if got := c.p.Notifies(7, c.kind, c.mention, now); got != c.want {
			t.Errorf("%s: Notifies = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestChannelKey(t *testing.T) {
	if k := ChannelKey(ChatChannel, " General "); k == nil || *k != "general" {
		t.Fatalf("ChannelKey = %v, want general", k)
	}
	if k := ChannelKey(ChatChannel, "ÄRGER"); k == nil || *k != "ärger" {
		t.Fatalf("ChannelKey folds beyond ASCII: %v", k)
	}
	if ChannelKey(ChatGroup, "General") != nil {
		t.Fatal("a group has no channel key")
	}
}

func TestPreferenceUpdatesValidate(t *testing.T) {
	bad, none := NotifyLevel("loud"), NotifyDefault
	if ErrorCode(PreferencesUpdate{Notify: &bad}.Validate()) != EInvalid {
		t.Fatal("an unknown level passed")
	}
	if ErrorCode(PreferencesUpdate{Notify: &none}.Validate()) != EInvalid {
		t.Fatal("the user's own level cannot be the default")
	}
	if (ChatPreferenceUpdate{Notify: &none}).Validate() != nil {
		t.Fatal("a chat may follow the user's level")
	}
}
