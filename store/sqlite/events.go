package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// events reads the chat's events after afterSeq in two steps: the events, then the messages
// they concern as they are now (with their reactions), in one query each.
func events(ctx context.Context, tx *sql.Tx, chatID, afterSeq int64, limit int) ([]fechatter.Event, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, kind, coalesce(message_id, 0), coalesce(user_id, 0),
		coalesce(actor_id, 0), coalesce(emoji, ''), coalesce(flag, 0), created_at
		FROM events WHERE chat_id = ? AND seq > ? ORDER BY seq LIMIT ?`, chatID, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	evs := []fechatter.Event{}
	var ids []int64
	for rows.Next() {
		ev := fechatter.Event{ChatID: chatID}
		var at int64
		if err := rows.Scan(&ev.Seq, &ev.Kind, &ev.Message.ID, &ev.UserID, &ev.ActorID, &ev.Emoji, &ev.On, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: events: scan: %w", err)
		}
		ev.At = fromMicros(at)
		if ev.Message.ID != 0 {
			ids = append(ids, ev.Message.ID)
		}
		evs = append(evs, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	if len(evs) == 0 {
		return evs, chatExists(ctx, tx, chatID)
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
func messagesByID(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]fechatter.Message, error) {
	out := make(map[int64]fechatter.Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m WHERE m.id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: messages by id: %w", err)
	}
	list := make([]fechatter.Message, 0, len(ids))
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: messages by id: %w", err)
		}
		list = append(list, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: messages by id: %w", err)
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
func attachReactions(ctx context.Context, tx *sql.Tx, msgs []fechatter.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	rows, err := tx.QueryContext(ctx, `SELECT message_id, emoji, user_id FROM reactions
		WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY message_id, created_at, user_id`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("sqlite: reactions: %w", err)
	}
	defer rows.Close()
	var agg fechatter.ReactionSet
	for rows.Next() {
		var msg, user int64
		var emoji string
		if err := rows.Scan(&msg, &emoji, &user); err != nil {
			return fmt.Errorf("sqlite: reactions: %w", err)
		}
		agg.Add(msg, emoji, user)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: reactions: %w", err)
	}
	for i := range msgs {
		msgs[i].Reactions = agg.Of(msgs[i].ID)
	}
	return attachFiles(ctx, tx, msgs) // every reader of messages calls this: their files too
}

// appendMemberEvent records that userID joined or left the chat, by actorID, at the chat's
// next seq.
func appendMemberEvent(ctx context.Context, tx *sql.Tx, chatID int64, kind fechatter.EventKind, userID, actorID int64, now time.Time) (fechatter.Event, error) {
	var seq int64
	if err := queryRow(ctx, tx, sqlNextSeq, chatID).Scan(&seq); err != nil {
		return fechatter.Event{}, fmt.Errorf("sqlite: next seq: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (chat_id, seq, kind, user_id, actor_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, chatID, seq, string(kind), userID, actorID, micros(now))
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("sqlite: insert member event: %w", err)
	}
	return fechatter.Event{ChatID: chatID, Seq: seq, Kind: kind, UserID: userID, ActorID: actorID, At: now}, nil
}

// appendMessageEvent records a reaction or a pin on message m, by userID, at the chat's next
// seq.
func appendMessageEvent(ctx context.Context, tx *sql.Tx, kind fechatter.EventKind, m fechatter.Message, userID int64, emoji string, on bool, now time.Time) (fechatter.Event, error) {
	var seq int64
	if err := queryRow(ctx, tx, sqlNextSeq, m.ChatID).Scan(&seq); err != nil {
		return fechatter.Event{}, fmt.Errorf("sqlite: next seq: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO events (chat_id, seq, kind, message_id, user_id, emoji, flag, created_at)
		VALUES (?, ?, ?, ?, ?, nullif(?, ''), ?, ?)`, m.ChatID, seq, string(kind), m.ID, userID, emoji, on, micros(now))
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("sqlite: insert %s event: %w", kind, err)
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: kind, Message: m, UserID: userID, Emoji: emoji, On: on, At: now}, nil
}
