package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// walkRows bounds the rows a per-chat walk is expected to read (walkPays). At about 2 µs a
// row (an index step, the heap row, its tsvector checked), 8,000 rows cost ≈ 16 ms, the price
// of the chats' index bitmap alone (docs/benchmarks.md#search, fifth round).
const walkRows = 8000

// walkHit is a match of the per-chat walk: its chat and seq besides id and rank.
type walkHit struct {
	hit
	chat, seq int64
}

// searchByChats answers a search whose one term is common enough that the newest matches lie
// among the newest messages of every chat: the stop word of a language, or a page by recency.
// GIN cannot give its matches newest first, only a bitmap of all of them (263,000 for a word
// in a quarter of 1M messages), so each of the user's chats is walked newest first through
// its (chat_id, seq) index instead, the row's tsvector checked, k matches per chat.
//
// The result is exact: a chat that returned k matches may hold more, but only older than the
// oldest it returned (its frontier). Every match at or above the newest frontier is known;
// while the matches known to be complete are fewer than needed, the chats whose frontier is
// above the need-th newest match found so far are walked on from their frontier, with twice
// the k.
func (db *DB) searchByChats(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch) ([]fechatter.Message, error) {
	need := fechatter.RelevanceWindow
	if q.Recent {
		need = q.Limit + q.Offset
	}
	chats := slices.Clone(q.ChatIDs)
	before := make([]int64, len(chats))
	for i := range before {
		before[i] = math.MaxInt64 // no seq bound yet
	}
	k := max(1, (need*5/4+len(chats)-1)/len(chats))
	if forceWalk {
		k = 1 // many rounds, even on a test's few messages
	}
	var hits []walkHit
	for len(chats) > 0 {
		found, err := db.walkChats(ctx, tx, q, chats, before, k)
		if err != nil {
			return nil, err
		}
		hits = append(hits, found...)
		slices.SortFunc(hits, func(a, b walkHit) int { return cmp.Compare(b.id, a.id) })
		cutoff := int64(0) // the need-th newest match so far: chats whose frontier is below it are done
		if len(hits) >= need {
			cutoff = hits[need-1].id
		}
		chats, before = moreToWalk(found, k, cutoff)
		k *= 2
	}
	top := make([]hit, 0, min(len(hits), need))
	for _, h := range hits[:min(len(hits), need)] {
		top = append(top, h.hit)
	}
	return pageRows(ctx, tx, pageOf(top, q))
}

// moreToWalk returns the chats of a step that returned all k matches asked and whose oldest
// match (the frontier) is newer than cutoff, with the seq to walk on from.
func moreToWalk(found []walkHit, k int, cutoff int64) (chats, before []int64) {
	type frontier struct {
		n       int
		id, seq int64
	}
	seen := map[int64]*frontier{}
	var order []int64
	for _, h := range found {
		f := seen[h.chat]
		if f == nil {
			f = &frontier{id: h.id, seq: h.seq}
			seen[h.chat] = f
			order = append(order, h.chat)
		}
		f.n++
		if h.seq < f.seq {
			f.id, f.seq = h.id, h.seq
		}
	}
	for _, c := range order {
		if f := seen[c]; f.n == k && f.id > cutoff {
			chats, before = append(chats, c), append(before, f.seq)
		}
	}
	return chats, before
}

// walkChats returns up to k newest matches of q in each chat, below that chat's seq bound.
func (db *DB) walkChats(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch, chats, before []int64, k int) ([]walkHit, error) {
	query, args := walkSQL(q, chats, before, k)
	rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: search: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (walkHit, error) {
		var h walkHit
		return h, r.Scan(&h.chat, &h.id, &h.seq, &h.score)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: search: %w", err)
	}
	return found, nil
}

// walkSQL is one step of the walk. The tsvector is tested as "(tsv @@ q) IS TRUE": the planner
// cannot see through it, so it walks (chat_id, seq) backwards and stops at the LIMIT, instead
// of ANDing the whole GIN bitmap of the words with each chat's index range.
func walkSQL(q fechatter.MessageSearch, chats, before []int64, k int) (string, []any) {
	var b strings.Builder
	var args binder
	arg := args.bind
	words, score := wordsRank(q, arg)
	b.WriteString(`SELECT c.chat, x.id, x.seq, x.score FROM unnest(` + arg(chats) + `::bigint[], ` + arg(before) + `::bigint[]) AS c(chat, before)
		CROSS JOIN LATERAL (SELECT m.id, m.seq, ` + score + ` AS score FROM messages m
		WHERE m.chat_id = c.chat AND m.seq < c.before AND NOT m.deleted AND (m.tsv @@ ` + words + `) IS TRUE`)
	if len(q.SenderIDs) > 0 {
		b.WriteString(` AND m.sender_id = ANY(` + arg(q.SenderIDs) + `::bigint[])`)
	}
	if q.Recent && q.BeforeID > 0 {
		b.WriteString(` AND m.id < ` + arg(q.BeforeID))
	}
	if !q.Since.IsZero() {
		b.WriteString(` AND m.created_at >= ` + arg(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(` AND m.created_at < ` + arg(q.Until))
	}
	b.WriteString(` ORDER BY m.seq DESC LIMIT ` + arg(k) + `) AS x
		WHERE c.chat IN (SELECT chat_id FROM members WHERE user_id = ` + arg(q.UserID) + `)`)
	return b.String(), args
}

// forceWalk makes every text search walk the chats, starting at one match per chat; tests
// set it.
var forceWalk bool
