-- sqlite: foreign_keys off
-- Conversations: threads, reactions, mentions, pins, saved messages, topics, read positions.
-- Keep it parallel to store/postgres/migrations/0005_conversations.sql.

-- Reactions and pins join the timeline: both take the chat's next seq.
CREATE TABLE events_new (
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('message', 'message_edited', 'message_deleted',
                                                 'member_joined', 'member_left', 'reaction', 'pinned')),
    message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    user_id    INTEGER,  -- member events: who joined or left; reaction and pinned: who did it
    actor_id   INTEGER,  -- member events: who added or removed them
    emoji      TEXT,     -- reaction
    flag       INTEGER,  -- reaction: added (1) or removed (0); pinned: pinned (1) or unpinned (0)
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq),
    CHECK ((message_id IS NULL) = (kind IN ('member_joined', 'member_left'))),
    CHECK ((user_id IS NULL) = (kind IN ('message', 'message_edited', 'message_deleted')))
) WITHOUT ROWID;
INSERT INTO events_new (chat_id, seq, kind, message_id, user_id, actor_id, created_at)
    SELECT chat_id, seq, kind, message_id, user_id, actor_id, created_at FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

-- Threads: a reply names its root; the root counts its replies.
ALTER TABLE messages ADD COLUMN thread_id INTEGER REFERENCES messages (id);
ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at INTEGER;
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';  -- space-separated user ids, then "here"/"channel"
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_by INTEGER;
CREATE INDEX messages_thread_idx ON messages (thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX messages_pinned_idx ON messages (chat_id, pinned_at) WHERE pinned_at IS NOT NULL;

-- Who follows a thread, and how far they read it (the seq of the last reply read).
CREATE TABLE thread_follows (
    root_id       INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    following     INTEGER NOT NULL DEFAULT 1,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (root_id, user_id)
) WITHOUT ROWID;
CREATE INDEX thread_follows_user_idx ON thread_follows (user_id);

CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;

CREATE TABLE saved (
    user_id    INTEGER NOT NULL REFERENCES users (id),
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
) WITHOUT ROWID;

ALTER TABLE chats ADD COLUMN topic TEXT NOT NULL DEFAULT '';
-- Who a message mentions, one row per mentioned member (every member for <!here> and
-- <!channel>): a member's mention count is their rows past their read position.
CREATE TABLE mentions (
    user_id    INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, chat_id, seq)
) WITHOUT ROWID;
CREATE INDEX mentions_message_idx ON mentions (message_id);
