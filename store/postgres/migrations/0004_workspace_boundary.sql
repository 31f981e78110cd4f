-- The workspace as a security boundary: names are display names, joining takes an invitation,
-- membership changes are timeline events, admin actions are audited. Keep it parallel to
-- store/sqlite/migrations/0004_workspace_boundary.sql.

-- A workspace's name is a display name, never a key: two teams may both be "acme".
ALTER TABLE workspaces DROP CONSTRAINT workspaces_name_key;
ALTER TABLE workspaces ADD COLUMN members_can_invite boolean NOT NULL DEFAULT false;

-- Membership changes take the chat's next seq like messages do, so a node that missed a
-- removal notice still meets it, in order, before anything sent after it.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('message', 'message_edited',
    'message_deleted', 'member_joined', 'member_left'));
ALTER TABLE events ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE events ADD COLUMN user_id bigint;  -- member events: who joined or left
ALTER TABLE events ADD COLUMN actor_id bigint; -- member events: who added or removed them
ALTER TABLE events ADD CONSTRAINT events_member_check
    CHECK ((message_id IS NULL) = (kind IN ('member_joined', 'member_left'))
       AND (user_id IS NULL) = (message_id IS NOT NULL));

-- A chat archived by a workspace admin stays archived until a workspace admin says otherwise.
ALTER TABLE chats ADD COLUMN admin_archived boolean NOT NULL DEFAULT false;

-- Revoking every session of a user (disable, logout everywhere, password change).
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Invitations: only the SHA-256 of the token is kept.
CREATE TABLE invites (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id),
    token_hash   text        NOT NULL UNIQUE,
    email        text        NOT NULL DEFAULT '',  -- '' = anyone with the link
    role         text        NOT NULL CHECK (role IN ('admin', 'member')),
    max_uses     integer     NOT NULL,
    uses         integer     NOT NULL DEFAULT 0,
    expires_at   timestamptz NOT NULL,
    created_by   bigint      NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX invites_workspace_idx ON invites (workspace_id, id);

-- Who did what to whom, for workspace admins.
CREATE TABLE audit_log (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id bigint      NOT NULL REFERENCES workspaces (id),
    actor_id     bigint      NOT NULL REFERENCES users (id),
    action       text        NOT NULL,
    target_type  text        NOT NULL DEFAULT '',
    target_id    bigint      NOT NULL DEFAULT 0,
    detail       jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL
);
CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id);
