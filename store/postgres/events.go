package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// scanEvent reads a row of events LEFT JOIN messages: a message event carries its message as
// it is now, a membership event its user and actor.
func scanEvent(row scanner, chatID int64) (fechatter.Event, error) {
	ev := fechatter.Event{ChatID: chatID}
	var user, actor, msgID, msgChat, msgSeq, sender *int64
	var clientID, text *string
	var created, edited *time.Time
	var deleted *bool
	err := row.Scan(&ev.Seq, &ev.Kind, &user, &actor,
		&msgID, &msgChat, &msgSeq, &sender, &clientID, &text, &created, &edited, &deleted)
	if err != nil {
		return fechatter.Event{}, err
	}
	if ev.Kind.IsMember() {
		ev.UserID, ev.ActorID = deref(user), deref(actor)
		return ev, nil
	}
	ev.Message = fechatter.Message{ID: deref(msgID), ChatID: deref(msgChat), Seq: deref(msgSeq),
		SenderID: deref(sender), ClientID: deref(clientID), Text: deref(text), EditedAt: utcPtr(edited),
		Deleted: deref(deleted)}
	if created != nil {
		ev.Message.CreatedAt = utc(*created)
	}
	return ev, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
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
	return fechatter.Event{ChatID: chatID, Seq: seq, Kind: kind, UserID: userID, ActorID: actorID}, nil
}
