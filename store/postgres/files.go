package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter"
)

const fileCols = `f.id, f.workspace_id, f.chat_id, f.uploader_id, coalesce(f.message_id, 0), f.name, f.size, f.content_type,
	f.sha256, f.width, f.height, f.thumbnail, f.created_at`

func scanFile(row pgx.Row) (fechatter.File, error) {
	var f fechatter.File
	err := row.Scan(&f.ID, &f.WorkspaceID, &f.ChatID, &f.UploaderID, &f.MessageID, &f.Name, &f.Size, &f.ContentType,
		&f.SHA256, &f.Width, &f.Height, &f.Thumbnail, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// CreateFile records an upload by a member of a writable chat, within the workspace's quota.
// The blob's row is upserted (DO UPDATE takes its row lock), so an upload waits for a
// DeleteBlob of the same bytes in progress.
func (db *DB) CreateFile(ctx context.Context, f fechatter.File, quota int64) (fechatter.File, error) {
	err := db.update(ctx, func(tx pgx.Tx) error {
		if err := writableAccess(ctx, tx, f.ChatID, f.UploaderID); err != nil {
			return err
		}
		// The workspace row lock serialises uploads of one workspace, so two cannot both
		// squeeze under the quota.
		if err := tx.QueryRow(ctx, `SELECT w.id FROM chats c JOIN workspaces w ON w.id = c.workspace_id
			WHERE c.id = $1 FOR UPDATE OF w`, f.ChatID).Scan(&f.WorkspaceID); err != nil {
			return fmt.Errorf("postgres: file workspace: %w", err)
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
		if _, err := tx.Exec(ctx, `INSERT INTO blobs (sha256, size, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (sha256) DO UPDATE SET size = excluded.size`, f.SHA256, f.Size, now); err != nil {
			return fmt.Errorf("postgres: blob: %w", err)
		}
		f.CreatedAt, f.MessageID = now, 0
		err := tx.QueryRow(ctx, `INSERT INTO files (workspace_id, chat_id, uploader_id, name, size, content_type,
			sha256, width, height, thumbnail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			f.WorkspaceID, f.ChatID, f.UploaderID, f.Name, f.Size, f.ContentType, f.SHA256, f.Width, f.Height, f.Thumbnail,
			now).Scan(&f.ID)
		if err != nil {
			return fmt.Errorf("postgres: insert file: %w", err)
		}
		return nil
	})
	return f, err
}

func workspaceFileBytes(ctx context.Context, tx pgx.Tx, workspaceID int64) (int64, error) {
	var used int64
	err := tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0)::bigint FROM files WHERE workspace_id = $1`, workspaceID).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("postgres: workspace file bytes: %w", err)
	}
	return used, nil
}

// WorkspaceFileBytes is the size of the workspace's files together.
func (db *DB) WorkspaceFileBytes(ctx context.Context, workspaceID int64) (int64, error) {
	var used int64
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		used, err = workspaceFileBytes(ctx, tx, workspaceID)
		return err
	})
	return used, err
}

// FileForUser returns a file the user may download now.
func (db *DB) FileForUser(ctx context.Context, fileID, userID int64) (fechatter.File, error) {
	var f fechatter.File
	err := db.view(ctx, func(tx pgx.Tx) (err error) {
		f, err = scanFile(tx.QueryRow(ctx, `SELECT `+fileCols+` FROM files f
			JOIN members mm ON mm.chat_id = f.chat_id AND mm.user_id = $1
			JOIN users u ON u.id = mm.user_id AND NOT u.disabled
			LEFT JOIN messages m ON m.id = f.message_id
			WHERE f.id = $2 AND (m.id IS NULL AND f.uploader_id = $1 OR NOT m.deleted)`, userID, fileID))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("file", fileID)
		}
		if err != nil {
			return fmt.Errorf("postgres: file: %w", err)
		}
		return nil
	})
	return f, err
}

// DeleteFile removes an unattached upload of the user.
func (db *DB) DeleteFile(ctx context.Context, fileID, userID int64) error {
	return db.update(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM files WHERE id = $1 AND uploader_id = $2 AND message_id IS NULL`, fileID, userID)
		if err != nil {
			return fmt.Errorf("postgres: delete file: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("file", fileID)
		}
		return nil
	})
}

// SweepFiles deletes files never attached and created before before.
func (db *DB) SweepFiles(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int64
	err := db.update(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM files WHERE id IN (SELECT id FROM files
			WHERE message_id IS NULL AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, limit)
		if err != nil {
			return fmt.Errorf("postgres: sweep files: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// OrphanBlobs lists blobs no file refers to.
func (db *DB) OrphanBlobs(ctx context.Context, limit int) ([]string, error) {
	var out []string
	err := db.view(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT sha256 FROM blobs b WHERE NOT EXISTS
			(SELECT 1 FROM files f WHERE f.sha256 = b.sha256) ORDER BY created_at LIMIT $1`, limit)
		if err != nil {
			return fmt.Errorf("postgres: orphan blobs: %w", err)
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("postgres: orphan blobs: %w", err)
		}
		return nil
	})
	return out, err
}

// DeleteBlob forgets an orphan blob, deleting its bytes with del while it holds the blob's
// row lock: an upload of the same bytes waits on its upsert, then stores them anew.
func (db *DB) DeleteBlob(ctx context.Context, sha string, del func() error) (bool, error) {
	deleted := false
	err := db.update(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM blobs WHERE sha256 = $1 FOR UPDATE`, sha).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("postgres: blob: %w", err)
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = $1)`, sha).Scan(&used); err != nil {
			return fmt.Errorf("postgres: blob: %w", err)
		}
		if used {
			return nil
		}
		if err := del(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM blobs WHERE sha256 = $1`, sha); err != nil {
			return fmt.Errorf("postgres: delete blob: %w", err)
		}
		deleted = true
		return nil
	})
	return deleted, err
}

// claimFiles locks and checks the files a batch's sends attach; a send naming a file it may
// not attach (or one an earlier send of the batch took) fails on its own.
func claimFiles(ctx context.Context, tx pgx.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int, out map[int]extra) error {
	var ids []int64
	for _, i := range todo {
		ids = append(ids, ps[i].FileIDs...)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT `+fileCols+` FROM files f WHERE f.id = ANY($1) ORDER BY f.id FOR UPDATE`, ids)
	if err != nil {
		return fmt.Errorf("postgres: files: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.File, error) { return scanFile(r) })
	if err != nil {
		return fmt.Errorf("postgres: files: %w", err)
	}
	byID := map[int64]fechatter.File{}
	for _, f := range list {
		byID[f.ID] = f
	}
	taken := map[int64]bool{}
	for _, i := range todo {
		if len(ps[i].FileIDs) == 0 || res[i].Err != nil {
			continue
		}
		files := make([]fechatter.File, 0, len(ps[i].FileIDs))
		for _, id := range ps[i].FileIDs {
			f, ok := byID[id]
			if !ok || taken[id] || f.ChatID != ps[i].ChatID || f.UploaderID != ps[i].SenderID || f.MessageID != 0 {
				res[i].Err = fechatter.ErrBadFiles()
				break
			}
			files = append(files, f)
		}
		if res[i].Err != nil {
			continue
		}
		for _, f := range files {
			taken[f.ID] = true
		}
		x := out[i]
		x.files = files
		out[i] = x
	}
	return nil
}

// bindFiles attaches the claimed files to the stored message m.
func bindFiles(ctx context.Context, tx pgx.Tx, m *fechatter.Message, files []fechatter.File) error {
	if len(files) == 0 {
		return nil
	}
	ids := make([]int64, len(files))
	for i := range files {
		files[i].MessageID = m.ID
		ids[i] = files[i].ID
	}
	_, err := tx.Exec(ctx, `UPDATE files SET message_id = $1, position = k.pos - 1
		FROM unnest($2::bigint[]) WITH ORDINALITY AS k(id, pos) WHERE files.id = k.id`, m.ID, ids)
	if err != nil {
		return fmt.Errorf("postgres: attach files: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE messages SET file_names = $1 WHERE id = $2`, fechatter.FileNames(files), m.ID); err != nil {
		return fmt.Errorf("postgres: file names: %w", err)
	}
	m.Files = files
	return nil
}

// attachFiles fills the Files of msgs in one query (deleted messages have none).
func attachFiles(ctx context.Context, tx pgx.Tx, msgs []fechatter.Message) error {
	ids := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		if !m.Deleted {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT `+fileCols+` FROM files f WHERE f.message_id = ANY($1)
		ORDER BY f.message_id, f.position`, ids)
	if err != nil {
		return fmt.Errorf("postgres: message files: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (fechatter.File, error) { return scanFile(r) })
	if err != nil {
		return fmt.Errorf("postgres: message files: %w", err)
	}
	byMsg := map[int64][]fechatter.File{}
	for _, f := range list {
		byMsg[f.MessageID] = append(byMsg[f.MessageID], f)
	}
	for i := range msgs {
		msgs[i].Files = byMsg[msgs[i].ID]
	}
	return nil
}
