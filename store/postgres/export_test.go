package postgres

import "github.com/fechatter/fechatter"

// SearchSQL exposes the search statement builder to benchmarks (EXPLAIN), with the chat
// filter the store picks.
func SearchSQL(q fechatter.MessageSearch) (string, []any) {
	return searchSQL(q, chatsOf(q), false)
}

// ForceWordsDrive makes searches check each candidate's chat on its row until the returned
// function restores the default (tests compare both plans; not safe with parallel searches).
func ForceWordsDrive() (restore func()) {
	forceWordsDrive = true
	return func() { forceWordsDrive = false }
}

// ForceBlocks makes every text search run newest id block first, whatever the word
// frequencies, until the returned function restores the default.
func ForceBlocks() (restore func()) {
	forceBlocks = true
	return func() { forceBlocks = false }
}

// ForceWalk makes every text search walk the user's chats newest first (searchByChats), one
// match per chat at first, until the returned function restores the default.
func ForceWalk() (restore func()) {
	forceWalk = true
	return func() { forceWalk = false }
}
