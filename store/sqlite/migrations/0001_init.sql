-- Fechatter schema, SQLite flavour. Keep it parallel to store/postgres/migrations.
-- Times are INTEGER microseconds since the Unix epoch, UTC. Booleans are INTEGER 0/1.

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    fullname      TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX users_workspace_idx ON users (workspace_id);

CREATE TABLE refresh_tokens (
    hash       TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- direct_key is 'minUserID:maxUserID' for direct chats and NULL for the others; it finds the
-- existing direct chat of a pair.
CREATE TABLE chats (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('direct', 'group', 'channel')),
    name         TEXT    NOT NULL DEFAULT '',
    private      INTEGER NOT NULL DEFAULT 0,
    owner_id     INTEGER NOT NULL REFERENCES users (id),
    archived     INTEGER NOT NULL DEFAULT 0,
    last_seq     INTEGER NOT NULL DEFAULT 0,
    direct_key   TEXT,
    created_at   INTEGER NOT NULL,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);
CREATE UNIQUE INDEX chats_direct_key_idx ON chats (workspace_id, direct_key) WHERE direct_key IS NOT NULL;
CREATE INDEX chats_workspace_idx ON chats (workspace_id);

CREATE TABLE members (
    chat_id       INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    joined_at     INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user_idx ON members (user_id);

-- messages.id is the rowid, so a later FTS5 table can index text with content='messages'.
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    sender_id  INTEGER NOT NULL REFERENCES users (id),
    client_id  TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (chat_id, seq),
    UNIQUE (sender_id, client_id)
);

CREATE TABLE events (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('message', 'message_edited', 'message_deleted')),
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq)
) WITHOUT ROWID;
