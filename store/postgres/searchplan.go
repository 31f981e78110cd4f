package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

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
	// chatsOnRow: m.chat_id + 0 = ANY($n), each candidate's chat checked on its row: for words
	// with few matches (fewCandidates), where reading those rows costs less than the chats'
	// bitmap; tests force it (forceWordsDrive) to check that the plans agree.
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

// shareOf estimates the share of messages that hold a positive term of q: a listed lexeme's
// share, the floor for an unlisted one, the listed lexemes' shares together for a prefix (at
// least the floor), the rarest word's for a phrase.
func (db *DB) shareOf(ctx context.Context, tx pgx.Tx, words []string, prefix string) (float32, error) {
	share := float32(1)
	for _, w := range words {
		f, _, err := db.stats.share(ctx, tx, w)
		if err != nil {
			return 0, err
		}
		share = min(share, f)
	}
	if prefix != "" {
		f, err := db.stats.prefixShare(ctx, tx, prefix)
		if err != nil {
			return 0, err
		}
		floor, _, err := db.stats.share(ctx, tx, "") // no lexeme is empty: the floor
		if err != nil {
			return 0, err
		}
		share = min(share, max(f, floor))
	}
	return share, nil
}

// walkPays reports whether searchByChats answers q: a search of one word or prefix (with
// exclusions or not) and no sender filter, whose matches are common enough that walking each
// chat newest first reads at most walkRows rows. The guess uses a lower bound of the term's
// share (its listed lexemes), so a rarer term than thought is never walked on a guess.
func (db *DB) walkPays(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch) (bool, error) {
	if forceWalk {
		return !forceWordsDrive, nil
	}
	t := q.Text
	terms := len(t.Words) + len(t.Phrases)
	if t.Prefix != "" {
		terms++
	}
	if forceWordsDrive || terms != 1 || len(t.Phrases) > 0 || len(q.SenderIDs) > 0 || !q.Since.IsZero() || !q.Until.IsZero() {
		return false, nil
	}
	var share float32
	var err error
	if t.Prefix != "" {
		share, err = db.stats.prefixShare(ctx, tx, t.Prefix)
	} else {
		var listed bool
		share, listed, err = db.stats.share(ctx, tx, t.Words[0])
		if !listed {
			share = 0
		}
	}
	if err != nil || share == 0 {
		return false, err
	}
	for _, e := range t.Excluded { // each exclusion removes at most its own share
		f, err := db.shareOf(ctx, tx, e, "")
		if err != nil {
			return false, err
		}
		share *= 1 - f
	}
	need := fechatter.RelevanceWindow
	if q.Recent {
		need = q.Limit + q.Offset
	}
	n := len(q.ChatIDs)
	perChat := max(1, (need*5/4+n-1)/n)
	return float64(n*perChat)/float64(share) <= walkRows, nil
}

// fewCandidates reports whether q's words are rare enough (about onRowRows matches, readable
// or not, by the independence of its terms) that checking each match's chat on its row costs
// less than the chats' index bitmap.
func (db *DB) fewCandidates(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch) (bool, error) {
	words := slices.Clone(q.Text.Words)
	for _, p := range q.Text.Phrases {
		words = append(words, p...)
	}
	est, err := db.stats.messages(ctx, tx)
	if err != nil {
		return false, err
	}
	for _, w := range words {
		f, err := db.shareOf(ctx, tx, []string{w}, "")
		if err != nil {
			return false, err
		}
		est *= float64(f)
	}
	if q.Text.Prefix != "" {
		f, err := db.shareOf(ctx, tx, nil, q.Text.Prefix)
		if err != nil {
			return false, err
		}
		est *= float64(f)
	}
	return est <= onRowRows, nil
}

// onRowRows: at about 3 µs a match (its heap row read, its chat looked up), 5,000 matches cost
// ≈ 15 ms, what the chats' index bitmap costs for a user in a hundred chats.
const onRowRows = 5000

// prefixRecheck reports whether a search with a few chats in its tsquery (in:#chat) should let
// GIN find the chats' lexemes alone and check the words on each of their rows: when its prefix
// is common. GIN answers a prefix by collecting the posting lists of every lexeme that starts
// with it into one bitmap first (45,696 row pointers for a word in 4 % of 1M messages,
// ≈ 25 ms), however few rows the filter leaves; one chat's messages (500 of those 1M) read
// from the heap cost a few milliseconds. (A sender filter beside 116 chats' index bitmap was
// slower that way: 55 against 30 ms.)
func (db *DB) prefixRecheck(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch, chats chatFilter) (bool, error) {
	if q.Text.Prefix == "" || chats != chatsInQuery {
		return false, nil
	}
	f, err := db.stats.prefixShare(ctx, tx, q.Text.Prefix)
	return f >= recheckShare, err
}

// recheckShare: a prefix whose listed words are in at least 1 % of the messages is checked on
// the rows of a sender or chat filter.
const recheckShare = 0.01
