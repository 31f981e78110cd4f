package postgres

import "github.com/fechatter/fechatter"

// chatFilter is how a text search keeps to the user's chats.
type chatFilter int

const (
	// chatsByIndex: m.chat_id = ANY($n), so the planner ANDs GIN's bitmap of the words with a
	// bitmap of the chats' messages from the (chat_id, seq) index. Its cost is about fixed, one
	// index range per chat (≈11 ms for 116 chats and 58,000 messages on 1M, idle).
	chatsByIndex chatFilter = iota
	// chatsInQuery: the chats' lexemes '#c<id>' (migration 0009) ORed into the tsquery, so one
	// GIN scan yields only readable hits. GIN then steps every chat's posting list to each
	// candidate of the words and checks the whole tsquery there: cheap for a few chats, but for
	// 116 it took 36–64 ms idle where chatsByIndex took 3–24 ms for every word class
	// (docs/benchmarks.md#search, fourth round).
	chatsInQuery
	// chatsOnRow: m.chat_id + 0 = ANY($n), each candidate's chat checked on its row. Only tests
	// use it (forceWordsDrive), to check that the plans agree.
	chatsOnRow
)

// fewChats is the most chats a search puts into its tsquery (in:#chat, a user in few chats).
const fewChats = 8

// chatsOf picks a text search's chat filter.
func chatsOf(q fechatter.MessageSearch) chatFilter {
	switch {
	case forceWordsDrive:
		return chatsOnRow
	case len(q.ChatIDs) <= fewChats:
		return chatsInQuery
	}
	return chatsByIndex
}

// chatClause is the SQL condition of filters other than chatsInQuery ("" for that one), with
// arg binding its parameter.
func chatClause(q fechatter.MessageSearch, f chatFilter, arg func(any) string) string {
	switch f {
	case chatsByIndex:
		return ` AND m.chat_id = ANY(` + arg(q.ChatIDs) + `::bigint[])`
	case chatsOnRow:
		return ` AND m.chat_id + 0 = ANY(` + arg(q.ChatIDs) + `::bigint[])`
	}
	return ""
}

// forceWordsDrive makes searches check each candidate's chat on its row instead; tests set it
// to check that the plans agree.
var forceWordsDrive bool
