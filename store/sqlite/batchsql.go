package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sendbatch"
)

// The statements of a batch of sends. Each takes the batch's rows as one JSON array of arrays
// (json_each), so its text is the same whatever the batch's size and it stays prepared. CROSS
// JOIN keeps the array the outer loop: each row probes an index, the table is never scanned.
const (
	sqlBatchSent = `SELECT ` + msgCols + ` FROM json_each(?) k
		CROSS JOIN messages m ON m.sender_id = k.value->>0 AND m.client_id = k.value->>1`
	sqlBatchAccess = `SELECT c.id, k.value->>1, c.archived, coalesce((` + sqlRoleIn + `k.value->>1), '')
		FROM json_each(?) k CROSS JOIN chats c ON c.id = k.value->>0`
	sqlBatchSeq = `UPDATE chats SET last_seq = last_seq + (k.value->>1) FROM json_each(?) k
		WHERE chats.id = k.value->>0 RETURNING chats.id, chats.last_seq`
	sqlBatchMessages = `INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at, thread_id, mentions)
		SELECT k.value->>0, k.value->>1, k.value->>2, k.value->>3, k.value->>4, ?2, nullif(k.value->>5, 0), k.value->>6
		FROM json_each(?1) k RETURNING id, chat_id, seq`
	sqlBatchEvents = `INSERT INTO events (chat_id, seq, kind, message_id, created_at)
		SELECT k.value->>0, k.value->>1, 'message', k.value->>2, ?2 FROM json_each(?1) k`
)

func batchStatements() []string {
	return []string{sqlBatchSent, sqlBatchAccess, sqlBatchSeq, sqlBatchMessages, sqlBatchEvents}
}

// jsonRows encodes rows for json_each. Texts are valid UTF-8 (CheckSend), so they round-trip.
func jsonRows(rows [][]any) (string, error) {
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("sqlite: batch rows: %w", err)
	}
	return string(b), nil
}

// resolveSent answers sends whose client id was stored before: the original, or EConflict
// when it went to another chat.
func resolveSent(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) error {
	keys := make([][]any, len(todo))
	for n, i := range todo {
		keys[n] = []any{ps[i].SenderID, ps[i].ClientID}
	}
	arg, err := jsonRows(keys)
	if err != nil {
		return err
	}
	rows, err := query(ctx, tx, sqlBatchSent, arg)
	if err != nil {
		return fmt.Errorf("sqlite: batch lookup: %w", err)
	}
	found := map[sendbatch.Key]fechatter.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: batch lookup: %w", err)
		}
		found[sendbatch.KeyOfMessage(m)] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: batch lookup: %w", err)
	}
	return sendbatch.AnswerStored(ps, res, todo, found, func(ms []fechatter.Message) error { return attachFiles(ctx, tx, ms) })
}

// checkWritable fails the sends that access.writable refuses, one query for the batch.
func checkWritable(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) error {
	if len(todo) == 0 {
		return nil
	}
	type pair struct{ chat, user int64 }
	seen := map[pair]bool{}
	var keys [][]any
	for _, i := range todo {
		if k := (pair{ps[i].ChatID, ps[i].SenderID}); !seen[k] {
			seen[k] = true
			keys = append(keys, []any{k.chat, k.user})
		}
	}
	arg, err := jsonRows(keys)
	if err != nil {
		return err
	}
	rows, err := query(ctx, tx, sqlBatchAccess, arg)
	if err != nil {
		return fmt.Errorf("sqlite: batch access: %w", err)
	}
	acc := map[pair]access{}
	for rows.Next() {
		var a access
		var user int64
		if err := rows.Scan(&a.chatID, &user, &a.archived, &a.role); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: batch access: %w", err)
		}
		acc[pair{a.chatID, user}] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: batch access: %w", err)
	}
	for _, i := range todo {
		a, ok := acc[pair{ps[i].ChatID, ps[i].SenderID}]
		if !ok {
			a = access{chatID: ps[i].ChatID} // no such chat: not writable, as for a non-member
		}
		res[i].Err = a.writable()
	}
	return nil
}

// insertBatch gives each chat's sends its next seqs in batch order, stores the messages and
// their events, then what the few sends with extras change besides.
func insertBatch(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int, extras map[int]extra, now time.Time) error {
	if len(todo) == 0 {
		return nil
	}
	next, err := reserveSeqs(ctx, tx, ps, todo)
	if err != nil {
		return err
	}
	msgs := make([]fechatter.Message, len(todo))
	cols := make([][]any, len(todo))
	for n, i := range todo {
		p, x := ps[i], extras[i]
		next[p.ChatID]++
		msgs[n] = fechatter.Message{ChatID: p.ChatID, Seq: next[p.ChatID], SenderID: p.SenderID, ClientID: p.ClientID,
			Text: p.Text, CreatedAt: now, ThreadID: x.thread, Mentions: x.msg.Mentions, Broadcast: x.msg.Broadcast}
		m := msgs[n]
		cols[n] = []any{m.ChatID, m.Seq, m.SenderID, m.ClientID, m.Text, m.ThreadID, fechatter.MentionsColumn(m.Mentions, m.Broadcast)}
	}
	if err := storeBatch(ctx, tx, msgs, cols, now); err != nil {
		return err
	}
	for n, i := range todo {
		m := &msgs[n]
		if x, ok := extras[i]; ok {
			if err := applyExtras(ctx, tx, *m, now); err != nil {
				return err
			}
			if err := bindFiles(ctx, tx, m, x.files); err != nil {
				return err
			}
		}
		res[i] = fechatter.SendResult{Event: fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: *m}, Created: true}
	}
	return nil
}

// reserveSeqs moves each chat's last_seq past the batch's sends to it and returns, per chat,
// its last seq before them.
func reserveSeqs(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, todo []int) (map[int64]int64, error) {
	count := map[int64]int64{}
	var chats []int64
	for _, i := range todo {
		if count[ps[i].ChatID] == 0 {
			chats = append(chats, ps[i].ChatID)
		}
		count[ps[i].ChatID]++
	}
	keys := make([][]any, len(chats))
	for n, id := range chats {
		keys[n] = []any{id, count[id]}
	}
	arg, err := jsonRows(keys)
	if err != nil {
		return nil, err
	}
	rows, err := query(ctx, tx, sqlBatchSeq, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: batch seq: %w", err)
	}
	next := make(map[int64]int64, len(chats))
	for rows.Next() {
		var id, last int64
		if err := rows.Scan(&id, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: batch seq: %w", err)
		}
		next[id] = last - count[id]
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: batch seq: %w", err)
	}
	if len(next) != len(chats) {
		return nil, fmt.Errorf("sqlite: batch seq: %d of %d chats updated", len(next), len(chats))
	}
	return next, nil
}

// storeBatch inserts the messages, sets their ids, and inserts their events.
func storeBatch(ctx context.Context, tx *sql.Tx, msgs []fechatter.Message, cols [][]any, now time.Time) error {
	arg, err := jsonRows(cols)
	if err != nil {
		return err
	}
	rows, err := query(ctx, tx, sqlBatchMessages, arg, micros(now))
	if err != nil {
		return fmt.Errorf("sqlite: batch insert: %w", err)
	}
	type at struct{ chat, seq int64 }
	ids := make(map[at]int64, len(msgs))
	for rows.Next() {
		var id int64
		var k at
		if err := rows.Scan(&id, &k.chat, &k.seq); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: batch insert: %w", err)
		}
		ids[k] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: batch insert: %w", err)
	}
	evs := make([][]any, len(msgs))
	for n := range msgs {
		m := &msgs[n]
		m.ID = ids[at{m.ChatID, m.Seq}]
		if m.ID == 0 {
			return fmt.Errorf("sqlite: batch insert: no id for chat %d seq %d", m.ChatID, m.Seq)
		}
		evs[n] = []any{m.ChatID, m.Seq, m.ID}
	}
	if arg, err = jsonRows(evs); err != nil {
		return err
	}
	if _, err := exec(ctx, tx, sqlBatchEvents, arg, micros(now)); err != nil {
		return fmt.Errorf("sqlite: batch events: %w", err)
	}
	return nil
}
