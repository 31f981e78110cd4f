package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sendbatch"
)

// SendBatch stores many sends in one transaction with a handful of set-based statements, so
// the cost of a commit (a WAL flush) and of the round trips is shared by the whole batch.
// When a concurrent transaction stored one of the batch's client ids first, the batch falls
// back to one Send per message.
func (db *DB) SendBatch(ctx context.Context, ps []fechatter.SendParams) []fechatter.SendResult {
	res := make([]fechatter.SendResult, len(ps))
	invalidSends := func() {
		for i, p := range ps {
			res[i] = fechatter.SendResult{}
			if p.ClientID == "" {
				res[i].Err = invalid("client_id is required")
			} else if err := fechatter.CheckSend(p.Text, p.FileIDs); err != nil {
				res[i].Err = err
			}
		}
	}
	invalidSends()
	now := db.clock()
	err := db.update(ctx, func(tx pgx.Tx) error { return sendBatch(ctx, tx, ps, res, now) })
	if err == nil {
		return res
	}
	invalidSends() // the transaction rolled back: only validation failures stand
	for i, p := range ps {
		switch {
		case res[i].Err != nil:
		case errors.As(err, new(duplicateError)):
			ev, created, err := db.Send(ctx, p)
			res[i] = fechatter.SendResult{Event: ev, Created: created, Err: err}
		default:
			res[i].Err = err
		}
	}
	return res
}

// sendBatch fills res for every send still without an error.
func sendBatch(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, now time.Time) error {
	valid := sendbatch.Pending(res)
	if err := resolveSent(ctx, tx, ps, res, valid); err != nil {
		return err
	}
	todo, resends := sendbatch.Split(ps, res, valid)
	if err := checkWritable(ctx, tx, ps, res, todo); err != nil {
		return err
	}
	todo = slices.DeleteFunc(todo, func(i int) bool { return res[i].Err != nil })
	extras, err := resolveExtras(ctx, tx, ps, res, todo)
	if err != nil {
		return err
	}
	todo = slices.DeleteFunc(todo, func(i int) bool { return res[i].Err != nil })
	if err := insertBatch(ctx, tx, ps, res, todo, extras, now); err != nil {
		return err
	}
	resends.Answer(ps, res)
	return nil
}

// resolveSent answers sends whose client id was stored before: the original, or EConflict
// when it went to another chat.
func resolveSent(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) error {
	senders, clients := make([]int64, len(todo)), make([]string, len(todo))
	for n, i := range todo {
		senders[n], clients[n] = ps[i].SenderID, ps[i].ClientID
	}
	rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM messages m
		JOIN unnest($1::bigint[], $2::text[]) AS k(sender_id, client_id)
		ON m.sender_id = k.sender_id AND m.client_id = k.client_id`, senders, clients)
	if err != nil {
		return fmt.Errorf("postgres: batch lookup: %w", err)
	}
	found := map[sendbatch.Key]fechatter.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("postgres: batch lookup: %w", err)
		}
		found[sendbatch.KeyOfMessage(m)] = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: batch lookup: %w", err)
	}
	return sendbatch.AnswerStored(ps, res, todo, found, func(ms []fechatter.Message) error { return attachFiles(ctx, tx, ms) })
}

// checkWritable locks the batch's chats in id order (so concurrent batches cannot deadlock)
// and fails the sends to missing or archived chats and by non-members.
func checkWritable(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) error {
	chats, senders := make([]int64, len(todo)), make([]int64, len(todo))
	for n, i := range todo {
		chats[n], senders[n] = ps[i].ChatID, ps[i].SenderID
	}
	rows, err := tx.Query(ctx, `WITH locked AS (
			SELECT id, archived FROM chats WHERE id = ANY($1) ORDER BY id FOR UPDATE)
		SELECT k.chat_id, k.user_id, l.id IS NOT NULL, coalesce(l.archived, false), m.user_id IS NOT NULL
		FROM unnest($1::bigint[], $2::bigint[]) AS k(chat_id, user_id)
		LEFT JOIN locked l ON l.id = k.chat_id
		LEFT JOIN members m ON m.chat_id = k.chat_id AND m.user_id = k.user_id
			AND NOT (SELECT disabled FROM users WHERE id = k.user_id)`, chats, senders)
	if err != nil {
		return fmt.Errorf("postgres: batch access: %w", err)
	}
	type access struct{ exists, archived, member bool }
	acc := map[[2]int64]access{}
	for rows.Next() {
		var chat, user int64
		var a access
		if err := rows.Scan(&chat, &user, &a.exists, &a.archived, &a.member); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: batch access: %w", err)
		}
		acc[[2]int64{chat, user}] = a
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: batch access: %w", err)
	}
	for _, i := range todo {
		a := acc[[2]int64{ps[i].ChatID, ps[i].SenderID}]
		switch {
		case !a.exists, !a.member:
			res[i].Err = notFound("chat", ps[i].ChatID)
		case a.archived:
			res[i].Err = fechatter.Errorf(fechatter.EForbidden, "chat is archived")
		}
	}
	return nil
}

// insertBatch assigns each chat's next seqs in batch order and stores messages and events.
func insertBatch(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int, extras map[int]extra, now time.Time) error {
	if len(todo) == 0 {
		return nil
	}
	count := map[int64]int64{}
	for _, i := range todo {
		count[ps[i].ChatID]++
	}
	ids, ns := make([]int64, 0, len(count)), make([]int64, 0, len(count))
	for id, n := range count {
		ids, ns = append(ids, id), append(ns, n)
	}
	rows, err := tx.Query(ctx, `UPDATE chats SET last_seq = last_seq + c.n
		FROM unnest($1::bigint[], $2::bigint[]) AS c(id, n) WHERE chats.id = c.id
		RETURNING chats.id, chats.last_seq - c.n`, ids, ns)
	if err != nil {
		return fmt.Errorf("postgres: batch seq: %w", err)
	}
	next := map[int64]int64{} // chat → last seq before the batch
	for rows.Next() {
		var id, base int64
		if err := rows.Scan(&id, &base); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: batch seq: %w", err)
		}
		next[id] = base
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: batch seq: %w", err)
	}
	n := len(todo)
	b := batchRows{chats: make([]int64, n), seqs: make([]int64, n), senders: make([]int64, n),
		clients: make([]string, n), texts: make([]string, n), threads: make([]int64, n), mentions: make([]string, n)}
	for k, i := range todo {
		p, x := ps[i], extras[i]
		next[p.ChatID]++
		b.chats[k], b.seqs[k], b.senders[k], b.clients[k], b.texts[k] = p.ChatID, next[p.ChatID], p.SenderID, p.ClientID, p.Text
		b.threads[k], b.mentions[k] = x.thread, fechatter.MentionsColumn(x.mentions, x.broadcast)
	}
	if err := storeBatch(ctx, tx, todo, res, b, now); err != nil {
		return err
	}
	for _, i := range todo {
		if x := extras[i]; !x.none() {
			m := &res[i].Event.Message
			m.ThreadID, m.Mentions, m.Broadcast = x.thread, x.mentions, x.broadcast
			if err := applyExtras(ctx, tx, *m, now); err != nil {
				return err
			}
			if err := bindFiles(ctx, tx, m, x.files); err != nil {
				return err
			}
		}
	}
	return nil
}

// batchRows are the columns of a batch's new messages.
type batchRows struct {
	chats, seqs, senders, threads []int64
	clients, texts, mentions      []string
}

func storeBatch(ctx context.Context, tx pgx.Tx, todo []int, res []fechatter.SendResult, b batchRows, now time.Time) error {
	chats, seqs, senders, clients, texts := b.chats, b.seqs, b.senders, b.clients, b.texts
	rows, err := tx.Query(ctx, `WITH m AS (
			INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at, thread_id, mentions)
			SELECT c, s, u, k, t, $6, nullif(r, 0), n
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $7::bigint[], $8::text[]) AS x(c, s, u, k, t, r, n)
			RETURNING id, chat_id, seq)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at)
		SELECT chat_id, seq, 'message', id, $6 FROM m RETURNING chat_id, seq, message_id`,
		chats, seqs, senders, clients, texts, now, b.threads, b.mentions)
	if isUnique(err, "messages_sender_client_key") {
		return duplicateError{}
	}
	if err != nil {
		return fmt.Errorf("postgres: batch insert: %w", err)
	}
	ids := map[[2]int64]int64{}
	for rows.Next() {
		var chat, seq, id int64
		if err := rows.Scan(&chat, &seq, &id); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: batch insert: %w", err)
		}
		ids[[2]int64{chat, seq}] = id
	}
	if err := rows.Err(); err != nil {
		if isUnique(err, "messages_sender_client_key") {
			return duplicateError{}
		}
		return fmt.Errorf("postgres: batch insert: %w", err)
	}
	for k, i := range todo {
		m := fechatter.Message{ID: ids[[2]int64{chats[k], seqs[k]}], ChatID: chats[k], Seq: seqs[k], SenderID: senders[k],
			ClientID: clients[k], Text: texts[k], CreatedAt: now}
		res[i] = fechatter.SendResult{Event: fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: m}, Created: true}
	}
	return nil
}
