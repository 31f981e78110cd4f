package fanout

import (
	"strconv"
	"strings"
)

// DefaultPrefix starts every subject. Deployments (or tests) sharing one NATS cluster keep
// apart by using different prefixes.
const DefaultPrefix = "fechatter"

// Subjects is the subject layout under one prefix: one subject per chat and one per user.
// Nodes subscribe to the chats their local connections are in and to the users connected to
// them.
type Subjects struct {
	chat, user string
}

// NewSubjects returns the layout under prefix (DefaultPrefix when empty).
func NewSubjects(prefix string) Subjects {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Subjects{chat: prefix + ".chat.", user: prefix + ".user."}
}

// Chat is the subject of a chat's events.
func (s Subjects) Chat(chatID int64) string { return s.chat + strconv.FormatInt(chatID, 10) }

// User is the subject of events addressed to one user's connections.
func (s Subjects) User(userID int64) string { return s.user + strconv.FormatInt(userID, 10) }

// AllChats is the wildcard over every chat subject (for JetStream streams).
func (s Subjects) AllChats() string { return s.chat + ">" }

// Header names carried by fanout messages.
const (
	hdrSeq  = "Fc-Seq"  // timeline seq of a chat event; absent for ephemeral events
	hdrKind = "Fc-Kind" // event kind of a user event (chat_joined, chat_left)
	hdrChat = "Fc-Chat" // chat a user event is about
	hdrSkip = "Fc-Skip" // user whose own connections do not get this ephemeral event
	hdrTime = "Fc-Time" // when a timeline event was published, Unix µs (fan-out lag)
)

func parseID(subject, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(subject, prefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}
