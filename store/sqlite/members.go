package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fechatter/fechatter"
)

func insertMember(ctx context.Context, tx *sql.Tx, chatID, userID int64, role fechatter.Role, lastRead int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO members (chat_id, user_id, role, last_read_seq, joined_at)
		VALUES (?, ?, ?, ?, ?)`, chatID, userID, string(role), lastRead, micros(now))
	if err != nil {
		return fmt.Errorf("sqlite: insert member: %w", err)
	}
	return nil
}

// AddMembers adds users to a chat and returns a member_joined event for each, ascending, that
// was not a member. New members start with the chat read up to its last seq before the join.
func (db *DB) AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64) ([]fechatter.Event, error) {
	evs := []fechatter.Event{}
	err := db.update(ctx, func(tx *sql.Tx) error {
		now := db.clock()
		added, err := addMembers(ctx, tx, chatID, userIDs, now)
		if err != nil {
			return err
		}
		for _, id := range added {
			ev, err := appendMemberEvent(ctx, tx, chatID, fechatter.EventMemberJoined, id, actorID, now)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		return nil
	})
	return evs, err
}

func addMembers(ctx context.Context, tx *sql.Tx, chatID int64, userIDs []int64, now time.Time) ([]int64, error) {
	c, err := chatWhere(ctx, tx, `c.id = ?`, chatID)
	if err != nil {
		return nil, err
	}
	added := []int64{}
	for _, id := range fechatter.DistinctIDs(userIDs, 0) {
		if _, found := slices.BinarySearch(c.MemberIDs, id); !found {
			added = append(added, id)
		}
	}
	if len(added) == 0 {
		return added, nil
	}
	if c.Kind == fechatter.ChatDirect {
		return nil, invalid("a direct chat has exactly two members")
	}
	if err := checkActive(ctx, tx, c.WorkspaceID, added); err != nil {
		return nil, err
	}
	for _, id := range added {
		if err := insertMember(ctx, tx, chatID, id, fechatter.RoleMember, c.LastSeq, now); err != nil {
			return nil, err
		}
	}
	return added, nil
}

// RemoveMember removes a member of a group or channel as a member_left event.
func (db *DB) RemoveMember(ctx context.Context, chatID, userID, actorID int64) (fechatter.Event, error) {
	var ev fechatter.Event
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		if err := removeMember(ctx, tx, chatID, userID); err != nil {
			return err
		}
		ev, err = appendMemberEvent(ctx, tx, chatID, fechatter.EventMemberLeft, userID, actorID, db.clock())
		return err
	})
	return ev, err
}

func removeMember(ctx context.Context, tx *sql.Tx, chatID, userID int64) error {
	var kind fechatter.ChatKind
	err := tx.QueryRowContext(ctx, `SELECT c.kind FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = ? AND m.user_id = ?`, chatID, userID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: remove member: %w", err)
	}
	if kind == fechatter.ChatDirect {
		return invalid("a direct chat has exactly two members")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE chat_id = ? AND user_id = ?`, chatID, userID); err != nil {
		return fmt.Errorf("sqlite: remove member: %w", err)
	}
	return nil
}

// Member returns a membership.
func (db *DB) Member(ctx context.Context, chatID, userID int64) (fechatter.Member, error) {
	var m fechatter.Member
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		m, err = member(ctx, tx, chatID, userID)
		return err
	})
	return m, err
}

func member(ctx context.Context, tx *sql.Tx, chatID, userID int64) (fechatter.Member, error) {
	m := fechatter.Member{ChatID: chatID, UserID: userID}
	var joined int64
	err := tx.QueryRowContext(ctx, `SELECT role, last_read_seq, joined_at FROM members WHERE chat_id = ? AND user_id = ?`,
		chatID, userID).Scan(&m.Role, &m.LastReadSeq, &joined)
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Member{}, fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return fechatter.Member{}, fmt.Errorf("sqlite: member: %w", err)
	}
	m.JoinedAt = fromMicros(joined)
	return m, nil
}

// MarkRead moves the member's last read seq forward to seq (never back) and returns it.
func (db *DB) MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, error) {
	var got int64
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		got, err = markRead(ctx, tx, chatID, userID, seq)
		return err
	})
	return got, err
}

func markRead(ctx context.Context, tx *sql.Tx, chatID, userID, seq int64) (int64, error) {
	var lastSeq int64
	err := tx.QueryRowContext(ctx, `SELECT c.last_seq FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = ? AND m.user_id = ?`, chatID, userID).Scan(&lastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: mark read: %w", err)
	}
	if seq < 0 || seq > lastSeq {
		return 0, invalid("seq %d is outside the chat's timeline (last seq %d)", seq, lastSeq)
	}
	var got int64
	err = tx.QueryRowContext(ctx, `UPDATE members SET last_read_seq = max(last_read_seq, ?)
		WHERE chat_id = ? AND user_id = ? RETURNING last_read_seq`, seq, chatID, userID).Scan(&got)
	if err != nil {
		return 0, fmt.Errorf("sqlite: mark read: %w", err)
	}
	return got, nil
}
