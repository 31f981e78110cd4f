package fanout

import (
	"strconv"
	"strings"
)

// Subject layout. Chats and users have one subject each; nodes subscribe to the chats their
// local connections are in and to the users connected to them.
const (
	chatPrefix = "fechatter.chat."
	userPrefix = "fechatter.user."
)

// Header names carried by every fanout message.
const (
	hdrSeq  = "Fc-Seq"  // timeline seq of a chat event; 0 for ephemeral events
	hdrKind = "Fc-Kind" // event kind of a user event (chat_joined, chat_left)
	hdrChat = "Fc-Chat" // chat a user event is about
	hdrSkip = "Fc-Skip" // user whose own connections do not get this ephemeral event
)

// ChatSubject is the subject of a chat's events.
func ChatSubject(chatID int64) string { return chatPrefix + strconv.FormatInt(chatID, 10) }

// UserSubject is the subject of events addressed to one user's connections.
func UserSubject(userID int64) string { return userPrefix + strconv.FormatInt(userID, 10) }

func parseID(subject, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(subject, prefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}
