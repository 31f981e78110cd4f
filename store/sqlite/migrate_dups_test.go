package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sqlite"
)

// TestChannelNameMigrationKeepsDuplicates runs migration 0007 over a database that already
// holds two channels named "general" in one workspace: both stay as they are, the oldest
// keeps the name, and the later one must take a free name when it is renamed.
func TestChannelNameMigrationKeepsDuplicates(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "fechatter.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.Signup(ctx, fechatter.SignupParams{Email: "a@x.io", Fullname: "A", Workspace: "W"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// back to the schema before 0007, with duplicates made the way older servers allowed
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP INDEX chats_channel_name_idx`,
		`ALTER TABLE chats DROP COLUMN name_key`,
		`DROP TABLE user_prefs`,
		`DROP TABLE chat_prefs`,
		`DELETE FROM schema_migrations WHERE name = '0007_preferences.sql'`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var ids []int64
	for _, name := range []string{"general", "General ", "random"} {
		var id int64
		err := raw.QueryRowContext(ctx, `INSERT INTO chats (workspace_id, kind, name, private, owner_id, created_at)
			VALUES (?, 'channel', ?, 0, ?, 0) RETURNING id`, u.WorkspaceID, name, u.ID).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	raw.Close()

	db2 := openAt(t, path, sqlite.Options{})
	for i, want := range []string{"general", "General ", "random"} {
		c, err := db2.Chat(ctx, ids[i])
		if err != nil || c.Name != want {
			t.Fatalf("chat %d after the migration: %q, %v; want %q", ids[i], c.Name, err, want)
		}
	}
	_, _, err = db2.CreateChat(ctx, fechatter.CreateChatParams{WorkspaceID: u.WorkspaceID, CreatorID: u.ID, Kind: fechatter.ChatChannel, Name: "GENERAL"})
	if fechatter.ErrorCode(err) != fechatter.EConflict {
		t.Fatalf("a new GENERAL: %v, want a conflict with the oldest general", err)
	}
	// the grandfathered duplicate keeps working, and a rename must pick a free name
	topic := "still here"
	if _, err := db2.UpdateChat(ctx, ids[1], fechatter.ChatUpdate{Topic: &topic}); err != nil {
		t.Fatalf("changing the duplicate's topic: %v", err)
	}
	same := "general"
	if _, err := db2.UpdateChat(ctx, ids[1], fechatter.ChatUpdate{Name: &same}); fechatter.ErrorCode(err) != fechatter.EConflict {
		t.Fatalf("renaming the duplicate to general: %v, want a conflict", err)
	}
	free := "general-2"
	if _, err := db2.UpdateChat(ctx, ids[1], fechatter.ChatUpdate{Name: &free}); err != nil {
		t.Fatalf("renaming the duplicate to a free name: %v", err)
	}
}
