package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// insertMembers adds users to a chat with role, skipping those already members, and returns the
// ids it added, ascending.
func insertMembers(ctx context.Context, tx pgx.Tx, chatID int64, userIDs []int64, role fechatter.Role, lastRead int64, now time.Time) ([]int64, error) {
	if len(userIDs) == 0 {
		return []int64{}, nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO members (chat_id, user_id, role, last_read_seq, joined_at)
		SELECT $1, u, $3, $4, $5 FROM unnest($2::bigint[]) AS u
		ON CONFLICT (chat_id, user_id) DO NOTHING RETURNING user_id`, chatID, userIDs, string(role), lastRead, now)
	if err != nil {
		return nil, fmt.Errorf("postgres: insert members: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres: insert members: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// AddMembers adds users to a chat and returns a member_joined event for each, ascending, that
// was not a member. New members start with the chat read up to its last seq before the join.
func (db *DB) AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64) ([]fechatter.Event, error) {
	evs := []fechatter.Event{}
	err := db.update(ctx, func(tx pgx.Tx) error {
		evs = evs[:0]
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

// addMembers locks the chat first, as every timeline change does.
func addMembers(ctx context.Context, tx pgx.Tx, chatID int64, userIDs []int64, now time.Time) ([]int64, error) {
	c, err := chatWhere(ctx, tx, `c.id = $1 FOR UPDATE`, chatID)
	if err != nil {
		return nil, err
	}
	var fresh []int64
	for _, id := range fechatter.DistinctIDs(userIDs, 0) {
		if _, found := slices.BinarySearch(c.MemberIDs, id); !found {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) == 0 {
		return []int64{}, nil
	}
	if c.Kind == fechatter.ChatDirect {
		return nil, invalid("a direct chat has exactly two members")
	}
	if err := checkActive(ctx, tx, c.WorkspaceID, fresh); err != nil {
		return nil, err
	}
	return insertMembers(ctx, tx, chatID, fresh, fechatter.RoleMember, c.LastSeq, now)
}

// RemoveMember removes a member of a group or channel as a member_left event.
func (db *DB) RemoveMember(ctx context.Context, chatID, userID, actorID int64) (fechatter.Event, error) {
	var ev fechatter.Event
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		if err := removeMember(ctx, tx, chatID, userID); err != nil {
			return err
		}
		ev, err = appendMemberEvent(ctx, tx, chatID, fechatter.EventMemberLeft, userID, actorID, db.clock())
		return err
	})
	return ev, err
}

// removeMember locks the chat first, as every timeline change does.
func removeMember(ctx context.Context, tx pgx.Tx, chatID, userID int64) error {
	var kind fechatter.ChatKind
	err := tx.QueryRow(ctx, `SELECT c.kind FROM chats c JOIN members m ON m.chat_id = c.id
		WHERE c.id = $1 AND m.user_id = $2 FOR UPDATE OF c`, chatID, userID).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return fmt.Errorf("postgres: remove member: %w", err)
	}
	if kind == fechatter.ChatDirect {
		return invalid("a direct chat has exactly two members")
	}
	tag, err := tx.Exec(ctx, `DELETE FROM members WHERE chat_id = $1 AND user_id = $2`, chatID, userID)
	if err != nil {
		return fmt.Errorf("postgres: remove member: %w", err)
	}
	if tag.RowsAffected() == 0 { // removed concurrently
		return fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	return nil
}

// Member returns a membership.
func (db *DB) Member(ctx context.Context, chatID, userID int64) (fechatter.Member, error) {
	var m fechatter.Member
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		m, err = member(ctx, tx, chatID, userID)
		return err
	})
	return m, err
}

func member(ctx context.Context, tx pgx.Tx, chatID, userID int64) (fechatter.Member, error) {
	m := fechatter.Member{ChatID: chatID, UserID: userID}
	err := tx.QueryRow(ctx, `SELECT role, last_read_seq, joined_at FROM members WHERE chat_id = $1 AND user_id = $2`,
		chatID, userID).Scan(&m.Role, &m.LastReadSeq, &m.JoinedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Member{}, fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return fechatter.Member{}, fmt.Errorf("postgres: member: %w", err)
	}
	m.JoinedAt = utc(m.JoinedAt)
	return m, nil
}

// MarkRead moves the member's last read seq forward to seq (never back) and returns it.
func (db *DB) MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, error) {
	var got int64
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		got, err = markRead(ctx, tx, chatID, userID, seq)
		return err
	})
	return got, err
}

func markRead(ctx context.Context, tx pgx.Tx, chatID, userID, seq int64) (int64, error) {
	var lastSeq int64
	err := tx.QueryRow(ctx, `SELECT c.last_seq FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = $1 AND m.user_id = $2`, chatID, userID).Scan(&lastSeq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: mark read: %w", err)
	}
	if seq < 0 || seq > lastSeq {
		return 0, invalid("seq %d is outside the chat's timeline (last seq %d)", seq, lastSeq)
	}
	// GREATEST in the UPDATE keeps concurrent calls forward-only.
	var got int64
	err = tx.QueryRow(ctx, `UPDATE members SET last_read_seq = greatest(last_read_seq, $1)
		WHERE chat_id = $2 AND user_id = $3 RETURNING last_read_seq`, seq, chatID, userID).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) { // removed concurrently
		return 0, fechatter.Errorf(fechatter.ENotFound, "not a member of chat %d", chatID)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: mark read: %w", err)
	}
	return got, nil
}
