package fechatter

import (
	"strings"
	"time"
)

// NotifyLevel says which messages of a chat notify a user (desktop notification, sound, push).
type NotifyLevel string

const (
	NotifyDefault  NotifyLevel = ""         // a chat's level when it follows the user's own
	NotifyAll      NotifyLevel = "all"      // every message
	NotifyMentions NotifyLevel = "mentions" // direct messages and mentions (the default)
	NotifyNothing  NotifyLevel = "nothing"  // none
)

// Valid reports whether l is a known level; chat is true where NotifyDefault is allowed.
func (l NotifyLevel) Valid(chat bool) bool {
	switch l {
	case NotifyAll, NotifyMentions, NotifyNothing:
		return true
	case NotifyDefault:
		return chat
	}
	return false
}

// Preferences are a user's notification settings and per-chat marks, kept on the server so
// they follow the user across devices.
type Preferences struct {
	Notify NotifyLevel `json:"notify"`
	Sound  bool        `json:"sound"`
	// DNDUntil: do not disturb until then (nil: off).
	DNDUntil *time.Time       `json:"dnd_until"`
	Chats    []ChatPreference `json:"chats"` // only chats with a mark, of chats the user is in
}

// ChatPreference is how a user treats one chat.
type ChatPreference struct {
	ChatID  int64       `json:"chat_id"`
	Muted   bool        `json:"muted"`   // no notifications, not counted in the unread total
	Starred bool        `json:"starred"` // listed first
	Notify  NotifyLevel `json:"notify"`  // NotifyDefault follows the user's level
}

// DefaultPreferences are a user's preferences before they change any.
func DefaultPreferences() Preferences {
	return Preferences{Notify: NotifyMentions, Chats: []ChatPreference{}}
}

// PreferencesUpdate changes a user's settings; nil fields stay as they are. SetDND stores
// DNDUntil (nil turns do-not-disturb off).
type PreferencesUpdate struct {
	Notify   *NotifyLevel
	Sound    *bool
	SetDND   bool
	DNDUntil *time.Time
}

// Validate checks the levels.
func (u PreferencesUpdate) Validate() error {
	if u.Notify != nil && !u.Notify.Valid(false) {
		return Errorf(EInvalid, "field \"notify\" must be all, mentions or nothing")
	}
	return nil
}

// ChatPreferenceUpdate changes a user's marks on one chat; nil fields stay as they are.
type ChatPreferenceUpdate struct {
	Muted   *bool
	Starred *bool
	Notify  *NotifyLevel
}

// Validate checks the level.
func (u ChatPreferenceUpdate) Validate() error {
	if u.Notify != nil && !u.Notify.Valid(true) {
		return Errorf(EInvalid, "field \"notify\" must be all, mentions, nothing or \"\" (the user's own level)")
	}
	return nil
}

// Chat returns the user's marks on chatID (zero ones when it has none).
func (p Preferences) Chat(chatID int64) ChatPreference {
	for _, c := range p.Chats {
		if c.ChatID == chatID {
			return c
		}
	}
	return ChatPreference{ChatID: chatID}
}

// Notifies reports whether a message in a chat of kind, mentioning the user or not, should
// notify the user at now: never while do-not-disturb lasts or in a muted chat, and otherwise
// as the chat's level (or the user's) says. The web client applies the same rule
// (web/src/lib/notify.ts); a push hook must too.
func (p Preferences) Notifies(chatID int64, kind ChatKind, mention bool, now time.Time) bool {
	if p.DNDUntil != nil && now.Before(*p.DNDUntil) {
		return false
	}
	c := p.Chat(chatID)
	if c.Muted {
		return false
	}
	level := c.Notify
	if level == NotifyDefault {
		level = p.Notify
	}
	switch level {
	case NotifyAll:
		return true
	case NotifyNothing:
		return false
	default:
		return mention || kind == ChatDirect
	}
}

// ChannelKey is what makes a channel's name unique in its workspace: the name trimmed and
// lower-cased, so "General" and "general " are one name. Other kinds have no key (nil).
func ChannelKey(kind ChatKind, name string) *string {
	if kind != ChatChannel {
		return nil
	}
	k := strings.ToLower(strings.TrimSpace(name))
	return &k
}

// ChannelTaken is the conflict of a channel name already used in the workspace.
func ChannelTaken(name string) error {
	return Errorf(EConflict, "a channel named %q already exists in this workspace", strings.TrimSpace(name))
}
