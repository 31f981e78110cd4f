-- Files: uploads to chats, attached to messages, their bytes in blob storage by SHA-256.
-- Keep it parallel to store/postgres/migrations/0006_files.sql.

-- A blob is stored bytes (and their preview), shared by every file with the same SHA-256.
-- Its row is what an upload and the collector of orphan blobs take turns on.
CREATE TABLE blobs (
    sha256     TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    chat_id      INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    uploader_id  INTEGER NOT NULL REFERENCES users (id),
    message_id   INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    sha256       TEXT    NOT NULL REFERENCES blobs (sha256),
    width        INTEGER NOT NULL DEFAULT 0,
    height       INTEGER NOT NULL DEFAULT 0,
    thumbnail    INTEGER NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL DEFAULT 0, -- order among the message's files
    created_at   INTEGER NOT NULL
);
CREATE INDEX files_message_idx ON files (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX files_unattached_idx ON files (created_at) WHERE message_id IS NULL;
CREATE INDEX files_sha_idx ON files (sha256);
CREATE INDEX files_workspace_idx ON files (workspace_id);

-- What search indexes of a message's files: their names (migration 0010 adds it to the index).
ALTER TABLE messages ADD COLUMN file_names TEXT NOT NULL DEFAULT '';
