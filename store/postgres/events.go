package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// events reads the chat's events after afterSeq in two steps: the events, then the messages
// they concern as they are now (with their reactions), in one query each.
func events(ctx context.Context, tx pgx.Tx, chatID, afterSeq int64, limit int) ([]fechatter.Event, error) {
	rows, err := tx.Query(ctx, `SELECT seq, kind, coalesce(message_id, 0), coalesce(user_id, 0),
		coalesce(actor_id, 0), coalesce(emoji, ''), coalesce(flag, false), created_at
		FROM events WHERE chat_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, chatID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Event, error) {
		ev := fechatter.Event{ChatID: chatID}
		err := r.Scan(&ev.Seq, &ev.Kind, &ev.Message.ID, &ev.UserID, &ev.ActorID, &ev.Emoji, &ev.On, &ev.At)
		ev.At = utc(ev.At)
		return ev, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	if len(evs) == 0 {
		return []fechatter.Event{}, chatExists(ctx, tx, chatID)
	}
	var ids []int64
	for _, ev := range evs {
		if ev.Message.ID != 0 {
			ids = append(ids, ev.Message.ID)
		}
	}
	msgs, err := messagesByID(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		if id := evs[i].Message.ID; id != 0 {
			evs[i].Message = msgs[id]
		}
	}
	return evs, nil
}

// messagesByID loads messages with their reactions.
func messagesByID(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]fechatter.Message, error) {
	out := make(map[int64]fechatter.Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: messages by id: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: messages by id: %w", err)
	}
	if err := attachReactions(ctx, tx, list); err != nil {
		return nil, err
	}
	for _, m := range list {
		out[m.ID] = m
	}
	return out, nil
}

// attachReactions fills the Reactions of msgs in one query.
func attachReactions(ctx context.Context, tx pgx.Tx, msgs []fechatter.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	rows, err := tx.Query(ctx, `SELECT message_id, emoji, user_id FROM reactions
		WHERE message_id = ANY($1) ORDER BY message_id, created_at, user_id`, ids)
	if err != nil {
		return fmt.Errorf("postgres: reactions: %w", err)
	}
	defer rows.Close()
	var agg fechatter.ReactionSet
	for rows.Next() {
		var msg, user int64
		var emoji string
		if err := rows.Scan(&msg, &emoji, &user); err != nil {
			return fmt.Errorf("postgres: reactions: %w", err)
		}
		agg.Add(msg, emoji, user)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: reactions: %w", err)
	}
	for i := range msgs {
		msgs[i].Reactions = agg.Of(msgs[i].ID)
	}
	return attachFiles(ctx, tx, msgs) // every reader of messages calls this: their files too
}

// appendMemberEvent records that userID joined or left the chat, by actorID, at the chat's
// next seq (which locks the chat row until the transaction ends).
func appendMemberEvent(ctx context.Context, tx pgx.Tx, chatID int64, kind fechatter.EventKind, userID, actorID int64, now time.Time) (fechatter.Event, error) {
	var seq int64
	err := tx.QueryRow(ctx, `WITH s AS (UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
		INSERT INTO events (chat_id, seq, kind, user_id, actor_id, created_at)
		SELECT $1, last_seq, $2, $3, $4, $5 FROM s RETURNING seq`, chatID, string(kind), userID, actorID, now).Scan(&seq)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: member event: %w", err)
	}
	return fechatter.Event{ChatID: chatID, Seq: seq, Kind: kind, UserID: userID, ActorID: actorID, At: now}, nil
}

// appendMessageEvent records a reaction or a pin on message m, by userID, at the chat's next
// seq.
func appendMessageEvent(ctx context.Context, tx pgx.Tx, kind fechatter.EventKind, m fechatter.Message, userID int64, emoji string, on bool, now time.Time) (fechatter.Event, error) {
	var seq int64
	err := tx.QueryRow(ctx, `WITH s AS (UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq)
		INSERT INTO events (chat_id, seq, kind, message_id, user_id, emoji, flag, created_at)
		SELECT $1, last_seq, $2, $3, $4, nullif($5, ''), $6, $7 FROM s RETURNING seq`,
		m.ChatID, string(kind), m.ID, userID, emoji, on, now).Scan(&seq)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: %s event: %w", kind, err)
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: kind, Message: m, UserID: userID, Emoji: emoji, On: on, At: now}, nil
}
