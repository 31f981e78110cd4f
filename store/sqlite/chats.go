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

const chatCols = `c.id, c.workspace_id, c.kind, c.name, c.private, c.owner_id, c.archived, c.last_seq, c.created_at, c.member_count, c.admin_archived, c.topic`

func scanChat(row scanner, extra ...any) (fechatter.Chat, error) {
	var c fechatter.Chat
	var created int64
	dest := append([]any{&c.ID, &c.WorkspaceID, &c.Kind, &c.Name, &c.Private, &c.OwnerID, &c.Archived,
		&c.LastSeq, &created, &c.MemberCount, &c.AdminArchived, &c.Topic}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.Chat{}, err
	}
	c.CreatedAt = fromMicros(created)
	return c, nil
}

// CreateChat creates a chat owned by its creator, or returns the existing direct chat of the
// pair with created=false.
func (db *DB) CreateChat(ctx context.Context, p fechatter.CreateChatParams) (fechatter.Chat, bool, error) {
	others, err := p.Others()
	if err != nil {
		return fechatter.Chat{}, false, err
	}
	var c fechatter.Chat
	var created bool
	err = db.update(ctx, func(tx *sql.Tx) (err error) {
		c, created, err = createChat(ctx, tx, p, others, db.clock())
		return err
	})
	return c, created, err
}

func createChat(ctx context.Context, tx *sql.Tx, p fechatter.CreateChatParams, others []int64, now time.Time) (fechatter.Chat, bool, error) {
	if err := checkActive(ctx, tx, p.WorkspaceID, append([]int64{p.CreatorID}, others...)); err != nil {
		return fechatter.Chat{}, false, err
	}
	var key sql.NullString
	if p.Kind == fechatter.ChatDirect {
		key = sql.NullString{String: fechatter.DirectKey(p.CreatorID, others[0]), Valid: true}
		c, err := chatWhere(ctx, tx, `c.workspace_id = ? AND c.direct_key = ?`, p.WorkspaceID, key.String)
		if err == nil {
			return c, false, nil
		}
		if fechatter.ErrorCode(err) != fechatter.ENotFound {
			return fechatter.Chat{}, false, err
		}
	}
	c := fechatter.Chat{
		WorkspaceID: p.WorkspaceID, Kind: p.Kind, Name: p.Name, OwnerID: p.CreatorID,
		Private: p.Private || p.Kind == fechatter.ChatDirect, CreatedAt: now,
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO chats (workspace_id, kind, name, private, owner_id, direct_key, created_at, name_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.WorkspaceID, string(c.Kind), c.Name, c.Private, c.OwnerID, key, micros(now), fechatter.ChannelKey(c.Kind, c.Name)).Scan(&c.ID)
	if isUnique(err) && c.Kind == fechatter.ChatChannel {
		return fechatter.Chat{}, false, fechatter.ChannelTaken(c.Name)
	}
	if err != nil {
		return fechatter.Chat{}, false, fmt.Errorf("sqlite: insert chat: %w", err)
	}
	if err := insertMember(ctx, tx, c.ID, p.CreatorID, fechatter.RoleOwner, 0, now); err != nil {
		return fechatter.Chat{}, false, err
	}
	for _, id := range others {
		if err := insertMember(ctx, tx, c.ID, id, fechatter.RoleMember, 0, now); err != nil {
			return fechatter.Chat{}, false, err
		}
	}
	c.MemberIDs = append([]int64{p.CreatorID}, others...)
	slices.Sort(c.MemberIDs)
	c.MemberCount = int64(len(c.MemberIDs))
	return c, true, nil
}

// checkActive fails with EInvalid unless every id (distinct) is an enabled user of the workspace.
func checkActive(ctx context.Context, tx *sql.Tx, workspaceID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE workspace_id = ? AND disabled = 0 AND id IN (`+
		placeholders(len(ids))+`)`, append([]any{workspaceID}, int64Args(ids)...)...).Scan(&n)
	if err != nil {
		return fmt.Errorf("sqlite: check users: %w", err)
	}
	if n != len(ids) {
		return invalid("members must be active users of the workspace")
	}
	return nil
}

// chatWhere returns the one chat matching cond, with its members (ENotFound).
func chatWhere(ctx context.Context, tx *sql.Tx, cond string, args ...any) (fechatter.Chat, error) {
	c, err := scanChat(tx.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats c WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return fechatter.Chat{}, fechatter.Errorf(fechatter.ENotFound, "chat not found")
	}
	if err != nil {
		return fechatter.Chat{}, fmt.Errorf("sqlite: chat: %w", err)
	}
	c.MemberIDs, err = memberIDs(ctx, tx, c.ID)
	return c, err
}

func memberIDs(ctx context.Context, tx *sql.Tx, chatID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM members WHERE chat_id = ? ORDER BY user_id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: chat members: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: chat members: scan: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: chat members: %w", err)
	}
	return ids, nil
}

// Chat returns a chat with its member ids.
func (db *DB) Chat(ctx context.Context, id int64) (fechatter.Chat, error) {
	var c fechatter.Chat
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		c, err = chatWhere(ctx, tx, `c.id = ?`, id)
		return err
	})
	return c, err
}

// ChatsForUser lists the user's chats, oldest first, with read state and unread counts.
func (db *DB) ChatsForUser(ctx context.Context, userID int64) ([]fechatter.ChatSummary, error) {
	// One statement: it needs no transaction of its own to read a consistent state.
	return chatsForUser(db.readStmts.stmt(sqlChatsForUser).QueryContext(ctx, userID))
}

func chatsForUser(rows *sql.Rows, err error) ([]fechatter.ChatSummary, error) {
	if err != nil {
		return nil, fmt.Errorf("sqlite: chats for user: %w", err)
	}
	defer rows.Close()
	list := []fechatter.ChatSummary{}
	for rows.Next() {
		var cs fechatter.ChatSummary
		cs.Chat, err = scanChat(rows, &cs.Role, &cs.LastReadSeq, &cs.Unread, &cs.MentionCount)
		if err != nil {
			return nil, fmt.Errorf("sqlite: chats for user: scan: %w", err)
		}
		list = append(list, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: chats for user: %w", err)
	}
	return list, nil
}

// UpdateChat applies the non-nil fields of u.
func (db *DB) UpdateChat(ctx context.Context, id int64, u fechatter.ChatUpdate) (fechatter.Chat, error) {
	var c fechatter.Chat
	err := db.update(ctx, func(tx *sql.Tx) (err error) {
		c, err = updateChat(ctx, tx, id, u)
		return err
	})
	return c, err
}

func updateChat(ctx context.Context, tx *sql.Tx, id int64, u fechatter.ChatUpdate) (fechatter.Chat, error) {
	c, err := chatWhere(ctx, tx, `c.id = ?`, id)
	if err != nil {
		return fechatter.Chat{}, err
	}
	if err := u.Validate(c.Kind); err != nil {
		return fechatter.Chat{}, err
	}
	if u.Name != nil {
		c.Name = *u.Name
	}
	if u.Private != nil {
		c.Private = *u.Private
	}
	if u.Topic != nil {
		c.Topic = *u.Topic
	}
	if u.Archived != nil {
		c.Archived = *u.Archived
		c.AdminArchived = c.Archived && u.ByAdmin
	}
	_, err = tx.ExecContext(ctx, `UPDATE chats SET name = ?, private = ?, archived = ?, admin_archived = ?, topic = ? WHERE id = ?`,
		c.Name, c.Private, c.Archived, c.AdminArchived, c.Topic, id)
	if err != nil {
		return fechatter.Chat{}, fmt.Errorf("sqlite: update chat: %w", err)
	}
	// a renamed channel takes its new name's key (a grandfathered duplicate too, see 0007)
	if u.Name != nil && c.Kind == fechatter.ChatChannel {
		_, err = tx.ExecContext(ctx, `UPDATE chats SET name_key = ? WHERE id = ?`, fechatter.ChannelKey(c.Kind, c.Name), id)
		if isUnique(err) {
			return fechatter.Chat{}, fechatter.ChannelTaken(c.Name)
		}
		if err != nil {
			return fechatter.Chat{}, fmt.Errorf("sqlite: update chat: %w", err)
		}
	}
	return c, nil
}
