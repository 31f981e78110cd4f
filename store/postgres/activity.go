package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

// MessageActivity counts the workspace's messages created in [from, to) per hour, chat and
// sender (the reduced mode of the admin stats).
func (db *DB) MessageActivity(ctx context.Context, workspaceID int64, from, to time.Time) ([]fechatter.ActivityRow, error) {
	out := []fechatter.ActivityRow{}
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT date_trunc('hour', m.created_at AT TIME ZONE 'UTC') AS hour, m.chat_id, m.sender_id, count(*)
			FROM messages m JOIN chats c ON c.id = m.chat_id
			WHERE c.workspace_id = $1 AND m.created_at >= $2 AND m.created_at < $3
			GROUP BY hour, m.chat_id, m.sender_id ORDER BY hour, m.chat_id, m.sender_id`,
			workspaceID, from, to)
		if err != nil {
			return fmt.Errorf("postgres: message activity: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r fechatter.ActivityRow
			var hour time.Time
			if err := rows.Scan(&hour, &r.ChatID, &r.SenderID, &r.Messages); err != nil {
				return fmt.Errorf("postgres: message activity: %w", err)
			}
			r.Hour = time.Date(hour.Year(), hour.Month(), hour.Day(), hour.Hour(), 0, 0, 0, time.UTC)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
