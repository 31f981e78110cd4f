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

const chatCols = `c.id, c.workspace_id, c.kind, c.name, c.private, c.owner_id, c.archived, c.last_seq, c.created_at, c.member_count, c.admin_archived, c.topic`

func scanChat(row scanner, extra ...any) (fechatter.Chat, error) {
	var c fechatter.Chat
	dest := append([]any{&c.ID, &c.WorkspaceID, &c.Kind, &c.Name, &c.Private, &c.OwnerID, &c.Archived,
		&c.LastSeq, &c.CreatedAt, &c.MemberCount, &c.AdminArchived, &c.Topic}, extra...)
	if err := row.Scan(dest...); err != nil {
		return fechatter.Chat{}, err
	}
	c.CreatedAt = utc(c.CreatedAt)
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
	err = db.update(ctx, func(tx pgx.Tx) (err error) {
		c, created, err = createChat(ctx, tx, p, others, db.clock())
		return err
	})
	return c, created, err
}

// channelNameIndex keeps channel names unique per workspace (migration 0007).
const channelNameIndex = "chats_channel_name_idx"

func createChat(ctx context.Context, tx pgx.Tx, p fechatter.CreateChatParams, others []int64, now time.Time) (fechatter.Chat, bool, error) {
	if err := checkActive(ctx, tx, p.WorkspaceID, append([]int64{p.CreatorID}, others...)); err != nil {
		return fechatter.Chat{}, false, err
	}
	var key *string
	if p.Kind == fechatter.ChatDirect {
		k := fechatter.DirectKey(p.CreatorID, others[0])
		key = &k
		if c, found, err := directChat(ctx, tx, p.WorkspaceID, k); err != nil || found {
			return c, false, err
		}
	}
	c := fechatter.Chat{
		WorkspaceID: p.WorkspaceID, Kind: p.Kind, Name: p.Name, OwnerID: p.CreatorID,
		Private: p.Private || p.Kind == fechatter.ChatDirect, CreatedAt: now,
	}
	// When a concurrent call creates the same direct chat first, this waits for it and inserts
	// nothing; that chat is then visible to the next statement.
	err := tx.QueryRow(ctx, `INSERT INTO chats (workspace_id, kind, name, private, owner_id, direct_key, created_at, name_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (workspace_id, direct_key) WHERE direct_key IS NOT NULL DO NOTHING RETURNING id`,
		c.WorkspaceID, string(c.Kind), c.Name, c.Private, c.OwnerID, key, now, fechatter.ChannelKey(c.Kind, c.Name)).Scan(&c.ID)
	if isUnique(err, channelNameIndex) {
		return fechatter.Chat{}, false, fechatter.ChannelTaken(c.Name)
	}
	if errors.Is(err, pgx.ErrNoRows) && key != nil {
		c, _, err := directChat(ctx, tx, p.WorkspaceID, *key)
		return c, false, err
	}
	if err != nil {
		return fechatter.Chat{}, false, fmt.Errorf("postgres: insert chat: %w", err)
	}
	if _, err := insertMembers(ctx, tx, c.ID, []int64{p.CreatorID}, fechatter.RoleOwner, 0, now); err != nil {
		return fechatter.Chat{}, false, err
	}
	if _, err := insertMembers(ctx, tx, c.ID, others, fechatter.RoleMember, 0, now); err != nil {
		return fechatter.Chat{}, false, err
	}
	c.MemberIDs = append([]int64{p.CreatorID}, others...)
	slices.Sort(c.MemberIDs)
	c.MemberCount = int64(len(c.MemberIDs))
	return c, true, nil
}

func directChat(ctx context.Context, tx pgx.Tx, workspaceID int64, key string) (fechatter.Chat, bool, error) {
	c, err := chatWhere(ctx, tx, `c.workspace_id = $1 AND c.direct_key = $2`, workspaceID, key)
	if fechatter.ErrorCode(err) == fechatter.ENotFound {
		return fechatter.Chat{}, false, nil
	}
	return c, err == nil, err
}

// checkActive fails with EInvalid unless every id (distinct) is an enabled user of the workspace.
func checkActive(ctx context.Context, tx pgx.Tx, workspaceID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE workspace_id = $1 AND NOT disabled AND id = ANY ($2)`,
		workspaceID, ids).Scan(&n)
	if err != nil {
		return fmt.Errorf("postgres: check users: %w", err)
	}
	if n != len(ids) {
		return invalid("members must be active users of the workspace")
	}
	return nil
}

// chatWhere returns the one chat matching cond, with its members (ENotFound).
func chatWhere(ctx context.Context, tx pgx.Tx, cond string, args ...any) (fechatter.Chat, error) {
	c, err := scanChat(tx.QueryRow(ctx, `SELECT `+chatCols+` FROM chats c WHERE `+cond, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return fechatter.Chat{}, fechatter.Errorf(fechatter.ENotFound, "chat not found")
	}
	if err != nil {
		return fechatter.Chat{}, fmt.Errorf("postgres: chat: %w", err)
	}
	c.MemberIDs, err = memberIDs(ctx, tx, c.ID)
	return c, err
}

func memberIDs(ctx context.Context, tx pgx.Tx, chatID int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT user_id FROM members WHERE chat_id = $1 ORDER BY user_id`, chatID)
	if err != nil {
		return nil, fmt.Errorf("postgres: chat members: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres: chat members: %w", err)
	}
	return ids, nil
}

// Chat returns a chat with its member ids.
func (db *DB) Chat(ctx context.Context, id int64) (fechatter.Chat, error) {
	var c fechatter.Chat
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		c, err = chatWhere(ctx, tx, `c.id = $1`, id)
		return err
	})
	return c, err
}

// ChatsForUser lists the user's chats, oldest first, with read state and unread counts.
func (db *DB) ChatsForUser(ctx context.Context, userID int64) ([]fechatter.ChatSummary, error) {
	// One statement, on the pool: a read transaction around it would cost two more round trips
	// per connect and read nothing more consistent.
	rows, err := db.pool.Query(ctx, `SELECT `+chatCols+`, m.role, m.last_read_seq,
			(SELECT count(*) FROM messages x
			 WHERE x.chat_id = c.id AND x.seq > m.last_read_seq AND x.sender_id <> m.user_id AND NOT x.deleted)
			,(SELECT count(*) FROM mentions y WHERE y.user_id = m.user_id AND y.chat_id = c.id AND y.seq > m.last_read_seq)
		FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = $1
		ORDER BY c.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: chats for user: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.ChatSummary, error) {
		var cs fechatter.ChatSummary
		var err error
		cs.Chat, err = scanChat(r, &cs.Role, &cs.LastReadSeq, &cs.Unread, &cs.MentionCount)
		return cs, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: chats for user: %w", err)
	}
	return list, nil
}

// UpdateChat applies the non-nil fields of u.
func (db *DB) UpdateChat(ctx context.Context, id int64, u fechatter.ChatUpdate) (fechatter.Chat, error) {
	var c fechatter.Chat
	err := db.update(ctx, func(tx pgx.Tx) (err error) {
		c, err = updateChat(ctx, tx, id, u)
		return err
	})
	return c, err
}

func updateChat(ctx context.Context, tx pgx.Tx, id int64, u fechatter.ChatUpdate) (fechatter.Chat, error) {
	c, err := chatWhere(ctx, tx, `c.id = $1 FOR UPDATE`, id)
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
	_, err = tx.Exec(ctx, `UPDATE chats SET name = $1, private = $2, archived = $3, admin_archived = $4, topic = $5 WHERE id = $6`,
		c.Name, c.Private, c.Archived, c.AdminArchived, c.Topic, id)
	if err != nil {
		return fechatter.Chat{}, fmt.Errorf("postgres: update chat: %w", err)
	}
	// a renamed channel takes its new name's key (a grandfathered duplicate too, see 0007)
	if u.Name != nil && c.Kind == fechatter.ChatChannel {
		_, err = tx.Exec(ctx, `UPDATE chats SET name_key = $1 WHERE id = $2`, fechatter.ChannelKey(c.Kind, c.Name), id)
		if isUnique(err, channelNameIndex) {
			return fechatter.Chat{}, fechatter.ChannelTaken(c.Name)
		}
		if err != nil {
			return fechatter.Chat{}, fmt.Errorf("postgres: update chat: %w", err)
		}
	}
	return c, nil
}
