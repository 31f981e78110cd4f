package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

const microsPerHour = int64(time.Hour / time.Microsecond)

// MessageActivity counts the workspace's messages created in [from, to) per hour, chat and
// sender (the reduced mode of the admin stats).
func (db *DB) MessageActivity(ctx context.Context, workspaceID int64, from, to time.Time) ([]fechatter.ActivityRow, error) {
	out := []fechatter.ActivityRow{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT m.created_at / ? AS hour, m.chat_id, m.sender_id, count(*)
			FROM messages m JOIN chats c ON c.id = m.chat_id
			WHERE c.workspace_id = ? AND m.created_at >= ? AND m.created_at < ?
			GROUP BY hour, m.chat_id, m.sender_id ORDER BY hour, m.chat_id, m.sender_id`,
			microsPerHour, workspaceID, micros(from), micros(to))
		if err != nil {
			return fmt.Errorf("sqlite: message activity: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r fechatter.ActivityRow
			var hour int64
			if err := rows.Scan(&hour, &r.ChatID, &r.SenderID, &r.Messages); err != nil {
				return fmt.Errorf("sqlite: message activity: %w", err)
			}
			r.Hour = fromMicros(hour * microsPerHour)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
