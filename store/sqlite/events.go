package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// scanEvent reads a row of events LEFT JOIN messages: a message event carries its message as
// it is now, a membership event its user and actor.
func scanEvent(row scanner, chatID int64) (fechatter.Event, error) {
	ev := fechatter.Event{ChatID: chatID}
	var user, actor, msgID, msgChat, msgSeq, sender, msgCreated, edited sql.NullInt64
	var clientID, text sql.NullString
	var deleted sql.NullBool
	var created int64
	err := row.Scan(&ev.Seq, &ev.Kind, &user, &actor, &created,
		&msgID, &msgChat, &msgSeq, &sender, &clientID, &text, &msgCreated, &edited, &deleted)
	if err != nil {
		return fechatter.Event{}, err
	}
	if ev.Kind.IsMember() {
		ev.UserID, ev.ActorID = user.Int64, actor.Int64
		return ev, nil
	}
	ev.Message = fechatter.Message{ID: msgID.Int64, ChatID: msgChat.Int64, Seq: msgSeq.Int64, SenderID: sender.Int64,
		ClientID: clientID.String, Text: text.String, CreatedAt: fromMicros(msgCreated.Int64),
		EditedAt: fromNullMicros(edited), Deleted: deleted.Bool}
	return ev, nil
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
	return fechatter.Event{ChatID: chatID, Seq: seq, Kind: kind, UserID: userID, ActorID: actorID}, nil
}
