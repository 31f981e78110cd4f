-- Notification preferences and per-chat marks of a user; channel names unique per workspace.
-- Keep it parallel to store/sqlite/migrations/0007_preferences.sql.

CREATE TABLE user_prefs (
    user_id   bigint      PRIMARY KEY REFERENCES users (id),
    notify    text        NOT NULL DEFAULT 'mentions' CHECK (notify IN ('all', 'mentions', 'nothing')),
    sound     boolean     NOT NULL DEFAULT false,
    dnd_until timestamptz  -- NULL: do-not-disturb is off
);

CREATE TABLE chat_prefs (
    user_id bigint  NOT NULL REFERENCES users (id),
    chat_id bigint  NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    muted   boolean NOT NULL DEFAULT false,
    starred boolean NOT NULL DEFAULT false,
    notify  text    NOT NULL DEFAULT '' CHECK (notify IN ('', 'all', 'mentions', 'nothing')),
    PRIMARY KEY (user_id, chat_id)
);

-- A channel's name key (fechatter.ChannelKey: trimmed, lower case) is unique per workspace.
-- Existing duplicates are kept as they are: no channel is renamed behind its members' backs.
-- The oldest channel of each name gets the key; the later ones keep a NULL key (outside the
-- index) until someone renames them, when the new name must be free.
ALTER TABLE chats ADD COLUMN name_key text;
UPDATE chats c SET name_key = lower(btrim(c.name))
    WHERE c.kind = 'channel' AND c.id = (
        SELECT min(o.id) FROM chats o
        WHERE o.kind = 'channel' AND o.workspace_id = c.workspace_id AND lower(btrim(o.name)) = lower(btrim(c.name)));
CREATE UNIQUE INDEX chats_channel_name_idx ON chats (workspace_id, name_key) WHERE name_key IS NOT NULL;
