package fechatter

import "time"

// MessageSearch is a full-text search over messages, as the stores run it. The search package
// parses the user's query into it and applies permissions first: every search names the chats
// it may look in, and the stores also require UserID to be a member of them now.
type MessageSearch struct {
	UserID    int64   // only chats this user is a member of now
	ChatIDs   []int64 // only these chats; required (an empty list finds nothing)
	SenderIDs []int64 // when not empty, only messages of these senders
	Since     time.Time
	Until     time.Time // when not zero, Since <= created_at < Until
	Text      TextQuery
	Recent    bool  // newest first (by id) instead of by relevance (see RelevanceWindow)
	Offset    int   // relevance order: skip this many hits
	BeforeID  int64 // recent order: only ids below this, when not zero
	Limit     int   // 1..MaxSearchLimit+1 (a page and one more, to tell if another follows)
}

// TextQuery is the text part of a search. Every entry is a normalised word: a run of letters
// and digits, lower case. Stores match words without case and diacritics. A query with no
// Words, Prefix or Phrases matches every message the filters allow, newest first.
type TextQuery struct {
	Words    []string   // each must occur
	Prefix   string     // when set, a word starting with it must occur
	Phrases  [][]string // each must occur as consecutive words
	Excluded [][]string // no message containing one of these words or phrases matches
}

// Empty reports whether q has no positive term.
func (q TextQuery) Empty() bool { return len(q.Words) == 0 && q.Prefix == "" && len(q.Phrases) == 0 }

// Limits of message search.
const (
	// RelevanceWindow bounds ranking by relevance: the built-in stores rank the newest
	// RelevanceWindow matching messages the filters allow, so a very common word costs the
	// same as a rare one. Recent order reaches every match.
	RelevanceWindow = 1000

	MaxSearchLimit     = 100
	DefaultSearchLimit = 20
)
