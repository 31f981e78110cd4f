package sqlite

// ForceChatsDrive makes every search put its chats into the MATCH until the returned function
// restores the default (tests compare both plans with it; not safe with parallel searches).
func ForceChatsDrive() (restore func()) {
	forceChatsDrive = true
	return func() { forceChatsDrive = false }
}

// ForceBM25 makes every search rank its window with FTS5's bm25 until the returned function
// restores the default (searches of one term are otherwise ranked in Go).
func ForceBM25() (restore func()) {
	forceBM25 = true
	return func() { forceBM25 = false }
}
