package sqlite

import "github.com/fechatter/fechatter"

// What drives a search. Putting the user's chats into the MATCH makes FTS5 read the doclist of
// every one of them in full (newest-first iteration loads whole doclists: a user in 100 chats
// means tens of thousands of entries), which pays off only for a few chats (in:#chat). With
// many chats the words drive and each candidate's chat is checked on its messages row; the
// walk stops once the page or the relevance window is full. A sender filter is always in the
// MATCH: its doclist is short and cuts the candidates before any row is read. Measured on 1M
// messages (docs/benchmarks.md#search): in:#chat and from:@user searches 10× faster; for plain
// words, a frequency-based choice (fts5vocab document counts) was tried and did not beat
// letting the words drive.
const fewChats = 8

// chatsDrive reports whether the search's chats belong in the MATCH expression.
func chatsDrive(q fechatter.MessageSearch) bool {
	return q.Text.Empty() || len(q.ChatIDs) <= fewChats || forceChatsDrive
}

// forceChatsDrive makes every search put its chats into the MATCH; tests set it to compare
// the two plans.
var forceChatsDrive bool
