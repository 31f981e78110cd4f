-- Fechatter schema, PostgreSQL flavour. Keep it parallel to store/sqlite/migrations.
-- Times are timestamptz (microsecond precision).

CREATE TABLE workspaces (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id  bigint      NOT NULL REFERENCES workspaces (id),
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    fullname      text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_workspace_idx ON users (workspace_id);

CREATE TABLE refresh_tokens (
    hash       text        PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  text        NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- direct_key is 'minUserID:maxUserID' for direct chats and NULL for the others; it finds the
-- existing direct chat of a pair.
CREATE TABLE chats (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id),
    kind         text        NOT NULL CHECK (kind IN ('direct', 'group', 'channel')),
    name         text        NOT NULL DEFAULT '',
    private      boolean     NOT NULL DEFAULT false,
    owner_id     bigint      NOT NULL REFERENCES users (id),
    archived     boolean     NOT NULL DEFAULT false,
    last_seq     bigint      NOT NULL DEFAULT 0,
    direct_key   text,
    created_at   timestamptz NOT NULL,
    CHECK ((kind = 'direct') = (direct_key IS NOT NULL))
);
CREATE UNIQUE INDEX chats_direct_key_idx ON chats (workspace_id, direct_key) WHERE direct_key IS NOT NULL;
CREATE INDEX chats_workspace_idx ON chats (workspace_id);

CREATE TABLE members (
    chat_id       bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id       bigint      NOT NULL REFERENCES users (id),
    role          text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    last_read_seq bigint      NOT NULL DEFAULT 0,
    joined_at     timestamptz NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX members_user_idx ON members (user_id);

-- Full-text search can later add a generated tsvector column over text with a GIN index.
CREATE TABLE messages (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id    bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    sender_id  bigint      NOT NULL REFERENCES users (id),
    client_id  text        NOT NULL,
    text       text        NOT NULL,
    created_at timestamptz NOT NULL,
    edited_at  timestamptz,
    deleted    boolean     NOT NULL DEFAULT false,
    CONSTRAINT messages_chat_seq_key UNIQUE (chat_id, seq),
    CONSTRAINT messages_sender_client_key UNIQUE (sender_id, client_id)
);

CREATE TABLE events (
    chat_id    bigint      NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('message', 'message_edited', 'message_deleted')),
    message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (chat_id, seq)
);
