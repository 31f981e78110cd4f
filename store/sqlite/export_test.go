package sqlite

// ForceChatsDrive makes every search put its chats into the MATCH until the returned function
// restores the default (tests compare both plans with it; not safe with parallel searches).
func ForceChatsDrive() (restore func()) {
	forceChatsDrive = true
	return func() { forceChatsDrive = false }
}
