package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// SetMemberRole makes a member a chat admin or a plain member again.
func (db *DB) SetMemberRole(ctx context.Context, chatID, userID int64, role fechatter.Role) error {
	if role != fechatter.RoleAdmin && role != fechatter.RoleMember {
		return invalid("a member's role is admin or member")
	}
	return db.update(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE members SET role = $1 WHERE chat_id = $2 AND user_id = $3 AND role <> 'owner'`,
			string(role), chatID, userID)
		if err != nil {
			return fmt.Errorf("postgres: set member role: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fechatter.Errorf(fechatter.ENotFound, "user %d is not a member of chat %d, or is its owner", userID, chatID)
		}
		return nil
	})
}
