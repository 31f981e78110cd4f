-- sqlite: foreign_keys off
-- The workspace as a security boundary: names are display names, joining takes an invitation,
-- membership changes are timeline events, admin actions are audited. Keep it parallel to
-- store/postgres/migrations/0004_workspace_boundary.sql.

-- A workspace's name is a display name, never a key: two teams may both be "acme".
CREATE TABLE workspaces_new (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL,
    members_can_invite INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
INSERT INTO workspaces_new (id, name, created_at) SELECT id, name, created_at FROM workspaces;
DROP TABLE workspaces;
ALTER TABLE workspaces_new RENAME TO workspaces;

-- Membership changes take the chat's next seq like messages do, so a node that missed a
-- removal notice still meets it, in order, before anything sent after it.
CREATE TABLE events_new (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('message', 'message_edited', 'message_deleted',
                                                 'member_joined', 'member_left')),
    message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER,  -- member events: who joined or left
    actor_id   INTEGER,  -- member events: who added or removed them (user_id when by themselves)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq),
    CHECK ((message_id IS NULL) = (kind IN ('member_joined', 'member_left'))),
    CHECK ((user_id IS NULL) = (message_id IS NOT NULL))
) WITHOUT ROWID;
INSERT INTO events_new (chat_id, seq, kind, message_id, created_at)
    SELECT chat_id, seq, kind, message_id, created_at FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- A chat archived by a workspace admin stays archived until a workspace admin says otherwise.
ALTER TABLE chats ADD COLUMN admin_archived INTEGER NOT NULL DEFAULT 0;

-- Revoking every session of a user (disable, logout everywhere, password change).
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Invitations: only the SHA-256 of the token is kept.
CREATE TABLE invites (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    token_hash   TEXT    NOT NULL UNIQUE,
    email        TEXT    NOT NULL DEFAULT '',  -- '' = anyone with the link
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'member')),
    max_uses     INTEGER NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 0,
    expires_at   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX invites_workspace_idx ON invites (workspace_id, id);

-- Who did what to whom, for workspace admins.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    actor_id     INTEGER NOT NULL REFERENCES users (id),
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL DEFAULT '',
    target_id    INTEGER NOT NULL DEFAULT 0,
    detail       TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id);
