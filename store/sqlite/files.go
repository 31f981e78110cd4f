package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter"
)

const fileCols = `f.id, f.workspace_id, f.chat_id, f.uploader_id, coalesce(f.message_id, 0), f.name, f.size, f.content_type,
	f.sha256, f.width, f.height, f.thumbnail, f.created_at`

func scanFile(row scanner) (fechatter.File, error) {
	var f fechatter.File
	var created int64
	err := row.Scan(&f.ID, &f.WorkspaceID, &f.ChatID, &f.UploaderID, &f.MessageID, &f.Name, &f.Size, &f.ContentType,
		&f.SHA256, &f.Width, &f.Height, &f.Thumbnail, &created)
	f.CreatedAt = fromMicros(created)
	return f, err
}

// CreateFile records an upload by a member of a writable chat, within the workspace's quota.
func (db *DB) CreateFile(ctx context.Context, f fechatter.File, quota int64) (fechatter.File, error) {
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := writableBy(ctx, tx, f.ChatID, f.UploaderID, nil); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT workspace_id FROM chats WHERE id = ?`, f.ChatID).Scan(&f.WorkspaceID); err != nil {
			return fmt.Errorf("sqlite: file workspace: %w", err)
		}
		if quota > 0 {
			used, err := workspaceFileBytes(ctx, tx, f.WorkspaceID)
			if err != nil {
				return err
			}
			if err := fechatter.CheckQuota(used, f.Size, quota); err != nil {
				return err
			}
		}
		now := db.clock()
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, created_at) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, f.SHA256, f.Size, micros(now)); err != nil {
			return fmt.Errorf("sqlite: blob: %w", err)
		}
		f.CreatedAt, f.MessageID = now, 0
		err := tx.QueryRowContext(ctx, `INSERT INTO files (workspace_id, chat_id, uploader_id, name, size, content_type,
			sha256, width, height, thumbnail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			f.WorkspaceID, f.ChatID, f.UploaderID, f.Name, f.Size, f.ContentType, f.SHA256, f.Width, f.Height, f.Thumbnail,
			micros(now)).Scan(&f.ID)
		if err != nil {
			return fmt.Errorf("sqlite: insert file: %w", err)
		}
		return nil
	})
	return f, err
}

func workspaceFileBytes(ctx context.Context, tx *sql.Tx, workspaceID int64) (int64, error) {
	var used int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0) FROM files WHERE workspace_id = ?`, workspaceID).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("sqlite: workspace file bytes: %w", err)
	}
	return used, nil
}

// WorkspaceFileBytes is the size of the workspace's files together.
func (db *DB) WorkspaceFileBytes(ctx context.Context, workspaceID int64) (int64, error) {
	var used int64
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		used, err = workspaceFileBytes(ctx, tx, workspaceID)
		return err
	})
	return used, err
}

// FileForUser returns a file the user may download now.
func (db *DB) FileForUser(ctx context.Context, fileID, userID int64) (fechatter.File, error) {
	var f fechatter.File
	err := db.view(ctx, func(tx *sql.Tx) (err error) {
		f, err = scanFile(tx.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files f
			JOIN members mm ON mm.chat_id = f.chat_id AND mm.user_id = ?
			JOIN users u ON u.id = mm.user_id AND u.disabled = 0
			LEFT JOIN messages m ON m.id = f.message_id
			WHERE f.id = ? AND (m.id IS NULL AND f.uploader_id = ? OR m.deleted = 0)`, userID, fileID, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("file", fileID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: file: %w", err)
		}
		return nil
	})
	return f, err
}

// DeleteFile removes an unattached upload of the user.
func (db *DB) DeleteFile(ctx context.Context, fileID, userID int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM files WHERE id = ? AND uploader_id = ? AND message_id IS NULL`, fileID, userID)
		if err != nil {
			return fmt.Errorf("sqlite: delete file: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("file", fileID)
		}
		return nil
	})
}

// SweepFiles deletes files never attached and created before before.
func (db *DB) SweepFiles(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM files WHERE id IN (SELECT id FROM files
			WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)`, micros(before), limit)
		if err != nil {
			return fmt.Errorf("sqlite: sweep files: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// OrphanBlobs lists blobs no file refers to.
func (db *DB) OrphanBlobs(ctx context.Context, limit int) ([]string, error) {
	var out []string
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT sha256 FROM blobs b WHERE NOT EXISTS
			(SELECT 1 FROM files f WHERE f.sha256 = b.sha256) ORDER BY created_at LIMIT ?`, limit)
		if err != nil {
			return fmt.Errorf("sqlite: orphan blobs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var sha string
			if err := rows.Scan(&sha); err != nil {
				return fmt.Errorf("sqlite: orphan blobs: %w", err)
			}
			out = append(out, sha)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteBlob forgets an orphan blob, deleting its bytes with del inside the write transaction
// (SQLite's one writer: an upload of the same bytes waits for it).
func (db *DB) DeleteBlob(ctx context.Context, sha string, del func() error) (bool, error) {
	deleted := false
	err := db.update(ctx, func(tx *sql.Tx) error {
		var orphan bool
		err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)
			AND EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?)`, sha, sha).Scan(&orphan)
		if err != nil {
			return fmt.Errorf("sqlite: blob: %w", err)
		}
		if !orphan {
			return nil
		}
		if err := del(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = ?`, sha); err != nil {
			return fmt.Errorf("sqlite: delete blob: %w", err)
		}
		deleted = true
		return nil
	})
	return deleted, err
}

// claimFiles checks that the sender may attach ids to a message of the chat, and returns the
// files in the order given.
func claimFiles(ctx context.Context, tx *sql.Tx, chatID, senderID int64, ids []int64) ([]fechatter.File, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+fileCols+` FROM files f WHERE f.id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: files: %w", err)
	}
	defer rows.Close()
	byID := map[int64]fechatter.File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: files: %w", err)
		}
		byID[f.ID] = f
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: files: %w", err)
	}
	out := make([]fechatter.File, len(ids))
	for i, id := range ids {
		f, ok := byID[id]
		if !ok || f.ChatID != chatID || f.UploaderID != senderID || f.MessageID != 0 {
			return nil, fechatter.ErrBadFiles()
		}
		out[i] = f
	}
	return out, nil
}

// bindFiles attaches the claimed files to the stored message m.
func bindFiles(ctx context.Context, tx *sql.Tx, m *fechatter.Message, files []fechatter.File) error {
	if len(files) == 0 {
		return nil
	}
	for i := range files {
		files[i].MessageID = m.ID
		if _, err := tx.ExecContext(ctx, `UPDATE files SET message_id = ?, position = ? WHERE id = ?`, m.ID, i, files[i].ID); err != nil {
			return fmt.Errorf("sqlite: attach file: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE messages SET file_names = ? WHERE id = ?`, fechatter.FileNames(files), m.ID); err != nil {
		return fmt.Errorf("sqlite: file names: %w", err)
	}
	m.Files = files
	return nil
}

// attachFiles fills the Files of msgs in one query (deleted messages have none).
func attachFiles(ctx context.Context, tx *sql.Tx, msgs []fechatter.Message) error {
	ids := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		if !m.Deleted {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+fileCols+` FROM files f WHERE f.message_id IN (`+placeholders(len(ids))+`)
		ORDER BY f.message_id, f.position`, int64Args(ids)...)
	if err != nil {
		return fmt.Errorf("sqlite: message files: %w", err)
	}
	defer rows.Close()
	byMsg := map[int64][]fechatter.File{}
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return fmt.Errorf("sqlite: message files: %w", err)
		}
		byMsg[f.MessageID] = append(byMsg[f.MessageID], f)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: message files: %w", err)
	}
	for i := range msgs {
		msgs[i].Files = byMsg[msgs[i].ID]
	}
	return nil
}
