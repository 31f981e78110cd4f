package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// blockShift sizes the id blocks of migration 0011: the lexeme '#b<id >> blockShift>'.
const blockShift = 16

// maxBlocks caps the block lexemes of one step; past it a step covers every older message.
const maxBlocks = 64

// hit is a match a step found: its id and, by relevance, its rank.
type hit struct {
	id    int64
	score float32
}

// searchByBlocks answers a text search newest block first. Only the newest matches count —
// the RelevanceWindow newest that relevance ranks (or the page by recency) — so it asks the GIN
// index for the matches of the newest id blocks (migration 0011) and widens to older blocks
// only while it lacks some: the heap is read for those matches, not for every readable match
// of a frequent word. Each step estimates from the density seen so far how many blocks the
// rest needs; past maxBlocks, or once it reaches block 0, a step takes everything older. The
// hits and their order are those of searchSQL: steps cover disjoint id ranges, newest first,
// in one snapshot.
//
// It runs only when blocksPay (done reports whether it ran): the caller runs searchSQL then.
func (db *DB) searchByBlocks(ctx context.Context, tx pgx.Tx, q fechatter.MessageSearch) (msgs []fechatter.Message, done bool, err error) {
	need := fechatter.RelevanceWindow
	if q.Recent {
		need = q.Limit + q.Offset
	}
	ok, top, err := db.blocksPay(ctx, tx, q, need)
	if !ok || err != nil {
		return nil, false, err
	}
	if q.Recent && q.BeforeID > 0 {
		top = min(top, q.BeforeID-1)
	}
	var hits []hit
	hi, bound := top>>blockShift, top+1 // the newest block not yet searched; ids below bound
	for n := int64(1); hi >= 0 && len(hits) < need; {
		lo := max(hi-n+1, 0)
		var blocks []int64
		if n <= maxBlocks && lo > 0 {
			for b := hi; b >= lo; b-- {
				blocks = append(blocks, b)
			}
		} else {
			lo = 0 // everything older: no block filter
		}
		query, args := stepSQL(q, blocks, bound, need-len(hits))
		rows, err := tx.Query(ctx, query, append([]any{pgx.QueryExecModeExec}, args...)...)
		if err != nil {
			return nil, false, fmt.Errorf("postgres: search: %w", err)
		}
		found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
			var h hit
			return h, r.Scan(&h.id, &h.score)
		})
		if err != nil {
			return nil, false, fmt.Errorf("postgres: search: %w", err)
		}
		hits = append(hits, found...)
		n = nextBlocks(len(hits), need, top-lo<<blockShift+1)
		hi, bound = lo-1, lo<<blockShift
	}
	msgs, err = pageRows(ctx, tx, pageOf(hits, q))
	return msgs, err == nil, err
}

// nextBlocks is how many blocks the next step covers: enough, at the density of the ids
// searched so far, for the hits still missing, with a quarter to spare; all of them when
// nothing was found.
func nextBlocks(have, need int, searched int64) int64 {
	if have == 0 {
		return maxBlocks + 1
	}
	ids := int64(need-have) * searched / int64(have) * 5 / 4
	return max(1, (ids+1<<blockShift-1)>>blockShift)
}

// stepSQL selects the id and rank of the newest limit matches of q below the id bound, in the
// given blocks (all when there are none), newest first.
func stepSQL(q fechatter.MessageSearch, blocks []int64, bound int64, limit int) (string, []any) {
	var b strings.Builder
	var args binder
	arg := args.bind
	words, score := wordsRank(q, arg)
	b.WriteString(`SELECT m.id, ` + score + ` FROM messages m WHERE NOT m.deleted`)
	chats := chatsOf(q)
	if f := filterQuery(q, chats == chatsInQuery, blocks...); f != "" {
		b.WriteString(` AND m.tsv @@ (` + words + ` && ` + arg(f) + `::tsquery)`)
	} else {
		b.WriteString(` AND m.tsv @@ ` + words)
	}
	b.WriteString(chatClause(q, chats, arg))
	b.WriteString(` AND m.chat_id IN (SELECT chat_id FROM members WHERE user_id = ` + arg(q.UserID) + `)`)
	b.WriteString(` AND m.id < ` + arg(bound))
	if !q.Since.IsZero() {
		b.WriteString(` AND m.created_at >= ` + arg(q.Since))
	}
	if !q.Until.IsZero() {
		b.WriteString(` AND m.created_at < ` + arg(q.Until))
	}
	b.WriteString(` ORDER BY m.id DESC LIMIT ` + arg(limit))
	return b.String(), args
}

// pageOf picks the page's ids from the newest hits (newest first): by recency the page's
// slice of them; by relevance the RelevanceWindow newest ranked by score, then newest first.
func pageOf(hits []hit, q fechatter.MessageSearch) []int64 {
	if !q.Recent {
		hits = slices.Clone(hits[:min(len(hits), fechatter.RelevanceWindow)])
		slices.SortStableFunc(hits, func(a, b hit) int {
			if a.score != b.score {
				if a.score > b.score {
					return -1
				}
				return 1
			}
			return cmp.Compare(b.id, a.id)
		})
	}
	var ids []int64
	for i := q.Offset; i < len(hits) && len(ids) < q.Limit; i++ {
		ids = append(ids, hits[i].id)
	}
	return ids
}

// pageRows reads the messages with the given ids, in that order.
func pageRows(ctx context.Context, tx pgx.Tx, ids []int64) ([]fechatter.Message, error) {
	msgs := make([]fechatter.Message, 0, len(ids))
	if len(ids) == 0 {
		return msgs, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: search: %w", err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: search: %w", err)
	}
	for _, id := range ids {
		if i := slices.IndexFunc(got, func(m fechatter.Message) bool { return m.ID == id }); i >= 0 {
			msgs = append(msgs, got[i])
		}
	}
	return msgs, nil
}

// wordsRank binds q's words with arg and returns their tsquery expression and the rank of a
// row for them (0 for a search by recency, which does not rank).
func wordsRank(q fechatter.MessageSearch, arg func(any) string) (words, score string) {
	words = `to_tsquery('fechatter', ` + arg(tsQuery(q.Text)) + `)`
	score = "0::real"
	if !q.Recent {
		score = `ts_rank_cd(m.tsv, ` + words + `)`
	}
	return words, score
}

// binder collects a statement's arguments; bind appends v and returns its placeholder.
type binder []any

func (b *binder) bind(v any) string {
	*b = append(*b, v)
	return "$" + strconv.Itoa(len(*b))
}
