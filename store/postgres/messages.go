package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

const msgCols = `m.id, m.chat_id, m.seq, m.sender_id, m.client_id, m.text, m.created_at, m.edited_at, m.deleted,
	coalesce(m.thread_id, 0), m.reply_count, m.last_reply_at, m.mentions, m.pinned_at IS NOT NULL,
	m.state, coalesce(m.asker_id, 0)`

func scanMessage(row scanner, extra ...any) (fechatter.Message, error) {
	var m fechatter.Message
	var mentions string
	dest := append([]any{&m.ID, &m.ChatID, &m.Seq, &m.SenderID, &m.ClientID, &m.Text, &m.CreatedAt, &m.EditedAt, &m.Deleted,
		&m.ThreadID, &m.ReplyCount, &m.LastReplyAt, &mentions, &m.Pinned, &m.State, &m.AskerID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.Message{}, err
	}
	m.CreatedAt, m.EditedAt, m.LastReplyAt = utc(m.CreatedAt), utcPtr(m.EditedAt), utcPtr(m.LastReplyAt)
	m.Mentions, m.Broadcast = fechatter.ParseMentionsColumn(mentions)
	return m, nil
}

// messageWhere returns the one message matching cond (ENotFound).
func messageWhere(ctx context.Context, tx pgx.Tx, cond string, args ...any) (fechatter.Message, error) {
	m, err := scanMessage(tx.QueryRow(ctx, `SELECT `+msgCols+` FROM messages m WHERE `+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Message{}, fechatter.Errorf(fechatter.ENotFound, "message not found")
	}
	if err != nil {
		return fechatter.Message{}, fmt.Errorf("postgres: message: %w", err)
	}
	return m, nil
}

// access is what a user may do in a chat: role is "" when they are not a member.
type access struct {
	chatID   int64
	archived bool
	role     fechatter.Role
}

// sqlRole is a user's role in chat $1 as user $2, ” unless an active member.
const sqlRole = `coalesce((SELECT m.role FROM members m JOIN users u ON u.id = m.user_id AND NOT u.disabled
	WHERE m.chat_id = $1 AND m.user_id = $2), '')`

// writable fails unless the user may add to the chat's timeline: ENotFound for anyone who is
// not an active member (they learn nothing of the chat), EForbidden when it is archived.
func (a access) writable() error {
	if a.role == "" {
		return notFound("chat", a.chatID)
	}
	if a.archived {
		return fechatter.Errorf(fechatter.EForbidden, "chat is archived")
	}
	return nil
}

// lockSeq takes the chat's next seq, which row-locks the chat until the transaction ends, and
// reads userID's access to it. Every timeline change of a chat goes through here, so they are
// serialised per chat, and a rollback returns the seq: seqs stay gap-free.
func lockSeq(ctx context.Context, tx pgx.Tx, chatID, userID int64) (int64, access, error) {
	var seq int64
	a := access{chatID: chatID}
	err := tx.QueryRow(ctx, `UPDATE chats SET last_seq = last_seq + 1 WHERE id = $1
		RETURNING last_seq, archived, `+sqlRole, chatID, userID).Scan(&seq, &a.archived, &a.role)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, access{}, notFound("chat", chatID)
	}
	if err != nil {
		return 0, access{}, fmt.Errorf("postgres: next seq: %w", err)
	}
	return seq, a, nil
}

// duplicateError aborts a send that found, after taking the chat's lock or through a unique
// violation, that the client id was stored concurrently: its transaction rolls back and the
// original is read afresh.
type duplicateError struct{}

func (duplicateError) Error() string { return "postgres: client id stored concurrently" }

// Send appends a message, or returns the one the sender already sent with p.ClientID.
func (db *DB) Send(ctx context.Context, p fechatter.SendParams) (fechatter.Event, bool, error) {
	if p.ClientID == "" {
		return fechatter.Event{}, false, invalid("client_id is required")
	}
	if err := fechatter.CheckSend(p.Text, p.FileIDs); err != nil {
		return fechatter.Event{}, false, err
	}
	var ev fechatter.Event
	var created bool
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, created, err = send(ctx, tx, p, db.clock())
		return err
	})
	if errors.As(err, new(duplicateError)) {
		return db.resent(ctx, p)
	}
	return ev, created, err
}

func send(ctx context.Context, tx pgx.Tx, p fechatter.SendParams, now time.Time) (fechatter.Event, bool, error) {
	if ev, found, err := sentBefore(ctx, tx, p); err != nil || found {
		return ev, false, err
	}
	seq, a, err := lockSeq(ctx, tx, p.ChatID, p.SenderID)
	if err != nil {
		return fechatter.Event{}, false, err
	}
	if err := a.writable(); err != nil {
		return fechatter.Event{}, false, err
	}
	// A concurrent resend to this chat may have committed while this waited for the lock.
	if _, found, err := sentBefore(ctx, tx, p); err != nil {
		return fechatter.Event{}, false, err
	} else if found {
		return fechatter.Event{}, false, duplicateError{}
	}
	one := []fechatter.SendResult{{}}
	extras, err := resolveExtras(ctx, tx, []fechatter.SendParams{p}, one, []int{0})
	if err != nil {
		return fechatter.Event{}, false, err
	}
	if one[0].Err != nil {
		return fechatter.Event{}, false, one[0].Err
	}
	x := extras[0]
	m := fechatter.Message{ChatID: p.ChatID, Seq: seq, SenderID: p.SenderID, ClientID: p.ClientID, Text: p.Text, CreatedAt: now,
		ThreadID: x.thread, Mentions: x.mentions, Broadcast: x.broadcast}
	err = tx.QueryRow(ctx, `WITH m AS (
			INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at, thread_id, mentions)
			VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0), $8) RETURNING id)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at)
		SELECT $1, $2, 'message', id, $6 FROM m RETURNING message_id`,
		m.ChatID, m.Seq, m.SenderID, m.ClientID, m.Text, now, m.ThreadID, fechatter.MentionsColumn(m.Mentions, m.Broadcast)).Scan(&m.ID)
	if isUnique(err, "messages_sender_client_key") { // the same client id, sent to another chat
		return fechatter.Event{}, false, duplicateError{}
	}
	if err != nil {
		return fechatter.Event{}, false, fmt.Errorf("postgres: insert message: %w", err)
	}
	if !x.none() {
		if err := applyExtras(ctx, tx, m, now); err != nil {
			return fechatter.Event{}, false, err
		}
		if err := bindFiles(ctx, tx, &m, x.files); err != nil {
			return fechatter.Event{}, false, err
		}
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: m}, true, nil
}

// sentBefore looks the sender's client id up: the original event when it was sent to p.ChatID,
// EConflict when it was sent to another chat.
func sentBefore(ctx context.Context, tx pgx.Tx, p fechatter.SendParams) (fechatter.Event, bool, error) {
	m, err := messageWhere(ctx, tx, `m.sender_id = $1 AND m.client_id = $2`, p.SenderID, p.ClientID)
	switch {
	case fechatter.ErrorCode(err) == fechatter.ENotFound:
		return fechatter.Event{}, false, nil
	case err != nil:
		return fechatter.Event{}, false, err
	case m.ChatID != p.ChatID:
		return fechatter.Event{}, false, fechatter.Errorf(fechatter.EConflict, "client_id already used in another chat")
	}
	one := []fechatter.Message{m}
	if err := attachFiles(ctx, tx, one); err != nil {
		return fechatter.Event{}, false, err
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: one[0]}, true, nil
}

// resent returns the original of a send whose client id was stored concurrently.
func (db *DB) resent(ctx context.Context, p fechatter.SendParams) (fechatter.Event, bool, error) {
	var ev fechatter.Event
	err := db.view(ctx, func(tx pgx.Tx) error {
		var found bool
		var err error
		ev, found, err = sentBefore(ctx, tx, p)
		if err == nil && !found {
			err = fmt.Errorf("postgres: send: client id %q vanished", p.ClientID)
		}
		return err
	})
	return ev, false, err
}

// memberOf fails with ENotFound unless userID is an active member of the chat. Edits and
// deletes ask it before they look at the message, so a stranger learns nothing of either.
func memberOf(ctx context.Context, tx pgx.Tx, chatID, userID int64) error {
	var role fechatter.Role
	if err := tx.QueryRow(ctx, `SELECT `+sqlRole, chatID, userID).Scan(&role); err != nil {
		return fmt.Errorf("postgres: membership: %w", err)
	}
	if role == "" {
		return notFound("chat", chatID)
	}
	return nil
}
