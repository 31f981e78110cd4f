package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

// BotUser returns the workspace's bot user, creating it on first use.
func (db *DB) BotUser(ctx context.Context, workspaceID int64) (fechatter.User, error) {
	var u fechatter.User
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		u, err = botUser(ctx, tx, workspaceID, db.clock())
		return err
	})
	return u, err
}

func botUser(ctx context.Context, tx *sql.Tx, workspaceID int64, now time.Time) (fechatter.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE workspace_id = ? AND bot = 1`, workspaceID))
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fechatter.User{}, fmt.Errorf("sqlite: bot user: %w", err)
	}
	if _, err := workspace(ctx, tx, workspaceID); err != nil {
		return fechatter.User{}, err
	}
	u = fechatter.User{WorkspaceID: workspaceID, Email: fechatter.BotEmail(workspaceID), Fullname: fechatter.BotName,
		Role: fechatter.RoleMember, Bot: true, CreatedAt: now}
	err = tx.QueryRowContext(ctx, `INSERT INTO users (workspace_id, email, password_hash, fullname, role, bot, created_at)
		VALUES (?, ?, '', ?, ?, 1, ?) RETURNING id`, workspaceID, u.Email, u.Fullname, string(u.Role), micros(now)).Scan(&u.ID)
	if err != nil {
		return fechatter.User{}, fmt.Errorf("sqlite: create bot user: %w", err)
	}
	return u, nil
}

// refuseBot fails with EForbidden when userID is a bot: a bot's role never changes.
func refuseBot(ctx context.Context, tx *sql.Tx, userID int64) error {
	var bot bool
	err := tx.QueryRowContext(ctx, `SELECT bot FROM users WHERE id = ?`, userID).Scan(&bot)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("user", userID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: user kind: %w", err)
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
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		ev, err = startAnswer(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func startAnswer(ctx context.Context, tx *sql.Tx, p fechatter.AnswerParams, now time.Time) (fechatter.Event, error) {
	orig, err := messageWhere(ctx, tx, condClientID, p.BotID, p.ClientID)
	if err == nil {
		return fechatter.Event{ChatID: orig.ChatID, Seq: orig.Seq, Kind: fechatter.EventMessage, Message: orig}, nil
	}
	if fechatter.ErrorCode(err) != fechatter.ENotFound {
		return fechatter.Event{}, err
	}
	var bot bool
	if err := tx.QueryRowContext(ctx, `SELECT bot FROM users WHERE id = ?`, p.BotID).Scan(&bot); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fechatter.Event{}, fmt.Errorf("sqlite: answer: %w", err)
	}
	if !bot {
		return fechatter.Event{}, invalid("user %d is not a bot", p.BotID)
	}
	for _, id := range []int64{p.BotID, p.AskerID} {
		if err := writableBy(ctx, tx, p.ChatID, id, nil); err != nil {
			return fechatter.Event{}, err
		}
	}
	var mine, all int
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM messages WHERE asker_id = ? AND created_at >= ?),
		(SELECT count(*) FROM messages WHERE sender_id = ? AND asker_id IS NOT NULL AND created_at >= ?)`,
		p.AskerID, micros(p.Since), p.BotID, micros(p.Since)).Scan(&mine, &all)
	if err != nil {
		return fechatter.Event{}, fmt.Errorf("sqlite: answer quota: %w", err)
	}
	if err := p.CheckQuota(mine, all); err != nil {
		return fechatter.Event{}, err
	}
	m := fechatter.Message{ChatID: p.ChatID, SenderID: p.BotID, ClientID: p.ClientID, CreatedAt: now,
		State: fechatter.StateStreaming, AskerID: p.AskerID}
	if err := resolveExtras(ctx, tx, &m, p.ThreadID); err != nil {
		return fechatter.Event{}, err
	}
	m.Seq, err = appendEvent(ctx, tx, p.ChatID, fechatter.EventMessage, func(seq int64) (int64, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO messages (chat_id, seq, sender_id, client_id, text, created_at,
			thread_id, mentions, state, asker_id) VALUES (?, ?, ?, ?, '', ?, nullif(?, 0), '', ?, ?) RETURNING id`,
			m.ChatID, seq, m.SenderID, m.ClientID, micros(now), m.ThreadID, string(m.State), m.AskerID).Scan(&m.ID)
		if err != nil {
			return 0, fmt.Errorf("sqlite: insert answer: %w", err)
		}
		return m.ID, nil
	}, now)
	if err != nil {
		return fechatter.Event{}, err
	}
	if err := applyExtras(ctx, tx, m, now); err != nil {
		return fechatter.Event{}, err
	}
	return fechatter.Event{ChatID: m.ChatID, Seq: m.Seq, Kind: fechatter.EventMessage, Message: m}, nil
}

// FinishAnswer stores a streaming answer's final text and state.
func (db *DB) FinishAnswer(ctx context.Context, p fechatter.FinishParams) (fechatter.Event, error) {
	if err := p.Validate(); err != nil {
		return fechatter.Event{}, err
	}
	var ev fechatter.Event
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		ev, err = finishAnswer(ctx, tx, p, db.clock())
		return err
	})
	return ev, err
}

func finishAnswer(ctx context.Context, tx *sql.Tx, p fechatter.FinishParams, now time.Time) (fechatter.Event, error) {
	m, err := messageWhere(ctx, tx, `m.id = ? AND m.chat_id = ?`, p.MessageID, p.ChatID)
	if err != nil {
		return fechatter.Event{}, err
	}
	if m.State != fechatter.StateStreaming {
		return fechatter.Event{}, fechatter.ErrAnswerEnded()
	}
	m.Text, m.State = p.Text, p.State
	seq, err := appendEvent(ctx, tx, p.ChatID, fechatter.EventEdited, func(int64) (int64, error) {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET text = ?, state = ? WHERE id = ?`, m.Text, string(m.State), m.ID)
		if err != nil {
			return 0, fmt.Errorf("sqlite: finish answer: %w", err)
		}
		return m.ID, nil
	}, now)
	if err != nil {
		return fechatter.Event{}, err
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
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m
			WHERE m.state = 'streaming' AND m.created_at < ? ORDER BY m.created_at, m.id LIMIT ?`, micros(before), limit)
		if err != nil {
			return fmt.Errorf("sqlite: stale answers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				return fmt.Errorf("sqlite: stale answers: %w", err)
			}
			msgs = append(msgs, m)
		}
		return rows.Err()
	})
	return msgs, err
}

// Message returns a message by id.
func (db *DB) Message(ctx context.Context, id int64) (fechatter.Message, error) {
	var m fechatter.Message
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		m, err = messageWhere(ctx, tx, `m.id = ?`, id)
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
