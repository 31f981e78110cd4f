package fechatter

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Broadcast mentions.
const (
	MentionHere    = "here"    // <!here>: the members online now
	MentionChannel = "channel" // <!channel>: every member
)

var mentionRE = regexp.MustCompile(`<@([1-9][0-9]{0,17})>|<!(here|channel)>`)

// MaxMentions bounds the users one message mentions (more are ignored).
const MaxMentions = 50

// ParseMentions finds the mention tokens of text: user ids (distinct, ascending, at most
// MaxMentions) and the broadcast, "channel" winning over "here". Whether a user counts is the
// store's to decide: only members of the chat do.
func ParseMentions(text string) (ids []int64, broadcast string) {
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		switch {
		case m[2] == MentionChannel:
			broadcast = MentionChannel
		case m[2] == MentionHere && broadcast == "":
			broadcast = MentionHere
		case m[1] != "":
			if id, err := strconv.ParseInt(m[1], 10, 64); err == nil && !slices.Contains(ids, id) && len(ids) < MaxMentions {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, broadcast
}

// MentionsColumn is how both stores keep a message's mentions in one text column: the user
// ids, then the broadcast, separated by spaces ("3 12 channel").
func MentionsColumn(ids []int64, broadcast string) string {
	parts := make([]string, 0, len(ids)+1)
	for _, id := range ids {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	if broadcast != "" {
		parts = append(parts, broadcast)
	}
	return strings.Join(parts, " ")
}

// ParseMentionsColumn reads MentionsColumn's form back.
func ParseMentionsColumn(s string) (ids []int64, broadcast string) {
	for _, f := range strings.Fields(s) {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		} else {
			broadcast = f
		}
	}
	return ids, broadcast
}
