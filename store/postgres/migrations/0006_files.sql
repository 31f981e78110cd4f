-- Files: uploads to chats, attached to messages, their bytes in blob storage by SHA-256.
-- Keep it parallel to store/sqlite/migrations/0006_files.sql.

-- A blob is stored bytes (and their preview), shared by every file with the same SHA-256.
-- Its row is what an upload and the collector of orphan blobs take turns on (row locks).
CREATE TABLE blobs (
    sha256     text        PRIMARY KEY,
    size       bigint      NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE files (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id),
    chat_id      bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    uploader_id  bigint      NOT NULL REFERENCES users (id),
    message_id   bigint      REFERENCES messages (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    size         bigint      NOT NULL,
    content_type text        NOT NULL,
    sha256       text        NOT NULL REFERENCES blobs (sha256),
    width        integer     NOT NULL DEFAULT 0,
    height       integer     NOT NULL DEFAULT 0,
    thumbnail    boolean     NOT NULL DEFAULT false,
    position     integer     NOT NULL DEFAULT 0, -- order among the message's files
    created_at   timestamptz NOT NULL
);
CREATE INDEX files_message_idx ON files (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX files_unattached_idx ON files (created_at) WHERE message_id IS NULL;
CREATE INDEX files_sha_idx ON files (sha256);
CREATE INDEX files_workspace_idx ON files (workspace_id);

-- What search indexes of a message's files: their names (migration 0010 adds them to tsv).
ALTER TABLE messages ADD COLUMN file_names text NOT NULL DEFAULT '';
