-- Conversations: threads, reactions, mentions, pins, saved messages, topics, read positions.
-- Keep it parallel to store/sqlite/migrations/0005_conversations.sql.

-- Reactions and pins join the timeline: both take the chat's next seq.
ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('message', 'message_edited',
    'message_deleted', 'member_joined', 'member_left', 'reaction', 'pinned'));
ALTER TABLE events DROP CONSTRAINT events_member_check;
ALTER TABLE events ADD COLUMN emoji text;    -- reaction
ALTER TABLE events ADD COLUMN flag boolean;  -- reaction: added; pinned: pinned
ALTER TABLE events ADD CONSTRAINT events_member_check
    CHECK ((message_id IS NULL) = (kind IN ('member_joined', 'member_left'))
       AND (user_id IS NULL) = (kind IN ('message', 'message_edited', 'message_deleted')));

-- Threads: a reply names its root; the root counts its replies.
ALTER TABLE messages ADD COLUMN thread_id bigint REFERENCES messages (id);
ALTER TABLE messages ADD COLUMN reply_count integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at timestamptz;
ALTER TABLE messages ADD COLUMN mentions text NOT NULL DEFAULT '';  -- space-separated user ids, then "here"/"channel"
ALTER TABLE messages ADD COLUMN pinned_at timestamptz;
ALTER TABLE messages ADD COLUMN pinned_by bigint;
CREATE INDEX messages_thread_idx ON messages (thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX messages_pinned_idx ON messages (chat_id, pinned_at) WHERE pinned_at IS NOT NULL;

CREATE TABLE thread_follows (
    root_id       bigint  NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id       bigint  NOT NULL REFERENCES users (id),
    following     boolean NOT NULL DEFAULT true,
    last_read_seq bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (root_id, user_id)
);
CREATE INDEX thread_follows_user_idx ON thread_follows (user_id);

CREATE TABLE reactions (
    message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    emoji      text        NOT NULL,
    user_id    bigint      NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

CREATE TABLE saved (
    user_id    bigint      NOT NULL REFERENCES users (id),
    message_id bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

ALTER TABLE chats ADD COLUMN topic text NOT NULL DEFAULT '';
-- Who a message mentions, one row per mentioned member (every member for <!here> and
-- <!channel>): a member's mention count is their rows past their read position.
CREATE TABLE mentions (
    user_id    bigint NOT NULL,
    chat_id    bigint NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    seq        bigint NOT NULL,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, chat_id, seq)
);
CREATE INDEX mentions_message_idx ON mentions (message_id);
