package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// BotUser returns the workspace's bot user, creating it on first use.
func (db *DB) BotUser(ctx context.Context, workspaceID int64) (fechatter.User, error) {
	var u fechatter.User
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		u, err = botUser(ctx, tx, workspaceID, db.clock())
		return err
	})
	return u, err
}

func botUser(ctx context.Context, tx pgx.Tx, workspaceID int64, now time.Time) (fechatter.User, error) {
	u := fechatter.User{WorkspaceID: workspaceID, Email: fechatter.BotEmail(workspaceID), Fullname: fechatter.BotName,
		Role: fechatter.RoleMember, Bot: true, CreatedAt: now}
	if _, err := workspace(ctx, tx, workspaceID); err != nil {
		return fechatter.User{}, err
	}
	// Two nodes may create it at once: the unique index on (workspace_id) WHERE bot keeps one.
	_, err := tx.Exec(ctx, `INSERT INTO users (workspace_id, email, password_hash, fullname, role, bot, created_at)
		VALUES ($1, $2, '', $3, $4, true, $5) ON CONFLICT DO NOTHING`, workspaceID, u.Email, u.Fullname, string(u.Role), now)
	if err != nil {
		return fechatter.User{}, fmt.Errorf("postgres: create bot user: %w", err)
	}
	u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE workspace_id = $1 AND bot`, workspaceID))
	if err != nil {
		return fechatter.User{}, fmt.Errorf("postgres: bot user: %w", err)
	}
	return u, nil
}

// refuseBot fails with EForbidden when userID is a bot: a bot's role never changes.
func refuseBot(ctx context.Context, tx pgx.Tx, userID int64) error {
	var bot bool
	err := tx.QueryRow(ctx, `SELECT bot FROM users WHERE id = $1`, userID).Scan(&bot)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("user", userID)
	}
	if err != nil {
		return fmt.Errorf("postgres: user kind: %w", err)
	}
	if bot {
		return fechatter.ErrBotUser()
	}
	return nil
}

// StartAnswer appends the bot's empty streaming answer.
func (db *DB) StartAnswer(ctx context.Context, p fechatter.AnswerParams) (fechatter.Event, error) {
	if err := p.Validate(); err != nil {
		return fechatter.Event{}, err
	}
	var ev fechatter.Event
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, err = startAnswer(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func startAnswer(ctx context.Context, tx pgx.Tx, p fechatter.AnswerParams, now time.Time) (fechatter.Event, error) {
	// The bot's row lock serialises the workspace's answers: two asks never both pass a
	// quota that has room for one. Taken before the chat's, like nothing else takes them.
	var bot bool
	err := tx.QueryRow(ctx, `SELECT bot FROM users WHERE id = $1 FOR UPDATE`, p.BotID).Scan(&bot)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Event{}, fmt.Errorf("postgres: answer: %w", err)
	}
	if !bot {
		return fechatter.Event{}, invalid("user %d is not a bot", p.BotID)
	}
	orig, err := messageWhere(ctx, tx, `m.sender_id = $1 AND m.client_id = $2`, p.BotID, p.ClientID)
	if err == nil {
		return fechatter.Event{ChatID: orig.ChatID, Seq: orig.Seq, Kind: fechatter.EventMessage, Message: orig}, nil
	}
	if fechatter.ErrorCode(err) != fechatter.ENotFound {
		return fechatter.Event{}, err
	}
	if err := memberOf(ctx, tx, p.ChatID, p.AskerID); err != nil {
		return fechatter.Event{}, err
	}
	seq, a, err := lockSeq(ctx, tx, p.ChatID, p.BotID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if err := a.writable(); err != nil {
		return fechatter.Event{}, err
	}
	var mine, all int
	err = tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM messages WHERE asker_id = $1 AND created_at >= $3),
		(SELECT count(*) FROM messages WHERE sender_id = $2 AND asker_id IS NOT NULL AND created_at >= $3)`,
		p.AskerID, p.BotID, p.Since).Scan(&mine, &all)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: answer quota: %w", err)
	}
	if err := p.CheckQuota(mine, all); err != nil {
		return fechatter.Event{}, err
	}
	one := []fechatter.SendResult{{}}
	sp := fechatter.SendParams{ChatID: p.ChatID, SenderID: p.BotID, ClientID: p.ClientID, ThreadID: p.ThreadID}
	extras, err := resolveExtras(ctx, tx, []fechatter.SendParams{sp}, one, []int{0})
	if err != nil {
		return fechatter.Event{}, err
	}
	if one[0].Err != nil {
		return fechatter.Event{}, one[0].Err
	}
	m := fechatter.Message{ChatID: p.ChatID, Seq: seq, SenderID: p.BotID, ClientID: p.ClientID, CreatedAt: now,
		ThreadID: extras[0].thread, State: fechatter.StateStreaming, AskerID: p.AskerID}
	err = tx.QueryRow(ctx, `WITH m AS (
			INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at, thread_id, mentions, state, asker_id)
			VALUES ($1, $2, $3, $4, '', $5, nullif($6, 0), '', 'streaming', $7) RETURNING id)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at)
		SELECT $1, $2, 'message', id, $5 FROM m RETURNING message_id`,
		m.ChatID, m.Seq, m.SenderID, m.ClientID, now, m.ThreadID, m.AskerID).Scan(&m.ID)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: insert answer: %w", err)
	}
	if m.ThreadID != 0 {
		if err := applyExtras(ctx, tx, m, now); err != nil {
			return fechatter.Event{}, err
		}
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: m}, nil
}

// FinishAnswer stores a streaming answer's final text and state.
func (db *DB) FinishAnswer(ctx context.Context, p fechatter.FinishParams) (fechatter.Event, error) {
	if err := p.Validate(); err != nil {
		return fechatter.Event{}, err
	}
	var ev fechatter.Event
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		ev, err = finishAnswer(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func finishAnswer(ctx context.Context, tx pgx.Tx, p fechatter.FinishParams, now time.Time) (fechatter.Event, error) {
	m, err := messageWhere(ctx, tx, `m.id = $1 AND m.chat_id = $2 FOR UPDATE`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.State != fechatter.StateStreaming {
		return fechatter.Event{}, fechatter.ErrAnswerEnded()
	}
	seq, _, err := lockSeq(ctx, tx, p.ChatID, m.SenderID)
	if err != nil {
		return fechatter.Event{}, err
	}
	m.Text, m.State = p.Text, p.State
	_, err = tx.Exec(ctx, `WITH u AS (UPDATE messages SET text = $1, state = $2 WHERE id = $3)
		INSERT INTO events (chat_id, seq, kind, message_id, created_at) VALUES ($4, $5, 'message_edited', $3, $6)`,
		m.Text, string(m.State), m.ID, m.ChatID, seq, now)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("postgres: finish answer: %w", err)
	}
	one := []fechatter.Message{m}
	if err := attachReactions(ctx, tx, one); err != nil {
		return fechatter.Event{}, err
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: seq, Kind: fechatter.EventEdited, Message: one[0]}, nil
}

// StaleAnswers lists answers still streaming that started before before.
func (db *DB) StaleAnswers(ctx context.Context, before time.Time, limit int) ([]fechatter.Message, error) {
	if err := fechatter.CheckLimit(limit); err != nil {
		return nil, err
	}
	var msgs []fechatter.Message
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+msgCols+` FROM messages m
			WHERE m.state = 'streaming' AND m.created_at < $1 ORDER BY m.created_at, m.id LIMIT $2`, before, limit)
		if err != nil {
			return fmt.Errorf("postgres: stale answers: %w", err)
		}
		msgs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.Message, error) { return scanMessage(r) })
		if err != nil {
			return fmt.Errorf("postgres: stale answers: %w", err)
		}
		return nil
	})
	return msgs, err
}

// Message returns a message by id.
func (db *DB) Message(ctx context.Context, id int64) (fechatter.Message, error) {
	var m fechatter.Message
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		m, err = messageWhere(ctx, tx, `m.id = $1`, id)
		if err != nil {
			return err
		}
		one := []fechatter.Message{m}
		if err := attachReactions(ctx, tx, one); err != nil {
			return err
		}
		m = one[0]
		return nil
	})
	return m, err
}
