-- Notification preferences and per-chat marks of a user; channel names unique per workspace.
-- Keep it parallel to store/postgres/migrations/0007_preferences.sql.

CREATE TABLE user_prefs (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id),
    notify    TEXT    NOT NULL DEFAULT 'mentions' CHECK (notify IN ('all', 'mentions', 'nothing')),
    sound     INTEGER NOT NULL DEFAULT 0,
    dnd_until INTEGER  -- micros; NULL: do-not-disturb is off
);

CREATE TABLE chat_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id),
    chat_id INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    muted   INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    notify  TEXT    NOT NULL DEFAULT '' CHECK (notify IN ('', 'all', 'mentions', 'nothing')),
    PRIMARY KEY (user_id, chat_id)
) WITHOUT ROWID;

-- A channel's name key (fechatter.ChannelKey: trimmed, lower case) is unique per workspace.
-- Existing duplicates are kept as they are: no channel is renamed behind its members' backs.
-- The oldest channel of each name gets the key; the later ones keep a NULL key (outside the
-- index) until someone renames them, when the new name must be free. SQLite's lower() folds
-- ASCII only: a pre-existing non-ASCII name is keyed with its other letters as they are.
ALTER TABLE chats ADD COLUMN name_key TEXT;
UPDATE chats SET name_key = lower(trim(name))
    WHERE kind = 'channel' AND id = (
        SELECT min(o.id) FROM chats o
        WHERE o.kind = 'channel' AND o.workspace_id = chats.workspace_id AND lower(trim(o.name)) = lower(trim(chats.name)));
CREATE UNIQUE INDEX chats_channel_name_idx ON chats (workspace_id, name_key) WHERE name_key IS NOT NULL;
