package postgres

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter"
	"github.com/jackc/pgx/v5"
)

// ReadsOf implements fechatter.Store.
func (db *DB) ReadsOf(ctx context.Context, chatIDs []int64) (map[int64][]fechatter.ReadPosition, error) {
	out := make(map[int64][]fechatter.ReadPosition, len(chatIDs))
	if len(chatIDs) == 0 {
		return out, nil
	}
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT chat_id, user_id, last_read_seq FROM members WHERE chat_id = ANY($1) ORDER BY chat_id, user_id`, chatIDs)
		if err != nil {
			return fmt.Errorf("postgres: reads of chats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var chatID int64
			var r fechatter.ReadPosition
			if err := rows.Scan(&chatID, &r.UserID, &r.LastReadSeq); err != nil {
				return fmt.Errorf("postgres: reads of chats: %w", err)
			}
			out[chatID] = append(out[chatID], r)
		}
		return rows.Err()
	})
	return out, err
}
