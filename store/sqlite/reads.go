package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fechatter/fechatter"
)

// readsChunk bounds the chat ids bound in one query (SQLite limits host parameters).
const readsChunk = 500

// ReadsOf implements fechatter.Store.
func (db *DB) ReadsOf(ctx context.Context, chatIDs []int64) (map[int64][]fechatter.ReadPosition, error) {
	out := make(map[int64][]fechatter.ReadPosition, len(chatIDs))
	err := db.view(ctx, func(tx *sql.Tx) error {
		for from := 0; from < len(chatIDs); from += readsChunk {
			ids := chatIDs[from:min(from+readsChunk, len(chatIDs))]
			rows, err := tx.QueryContext(ctx, `SELECT chat_id, user_id, last_read_seq FROM members WHERE chat_id IN (`+
				placeholders(len(ids))+`) ORDER BY chat_id, user_id`, int64Args(ids)...)
			if err != nil {
				return fmt.Errorf("sqlite: reads of chats: %w", err)
			}
			for rows.Next() {
				var chatID int64
				var r fechatter.ReadPosition
				if err := rows.Scan(&chatID, &r.UserID, &r.LastReadSeq); err != nil {
					rows.Close()
					return fmt.Errorf("sqlite: reads of chats: %w", err)
				}
				out[chatID] = append(out[chatID], r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("sqlite: reads of chats: %w", err)
			}
		}
		return nil
	})
	return out, err
}
