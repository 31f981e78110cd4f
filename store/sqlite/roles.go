package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fechatter/fechatter"
)

// SetMemberRole makes a member a chat admin or a plain member again.
func (db *DB) SetMemberRole(ctx context.Context, chatID, userID int64, role fechatter.Role) error {
	if role != fechatter.RoleAdmin && role != fechatter.RoleMember {
		return invalid("a member's role is admin or member")
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE members SET role = ? WHERE chat_id = ? AND user_id = ? AND role <> 'owner'`,
			string(role), chatID, userID)
		if err != nil {
			return fmt.Errorf("sqlite: set member role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fechatter.Errorf(fechatter.ENotFound, "user %d is not a member of chat %d, or is its owner", userID, chatID)
		}
		return nil
	})
}
