-- The assistant (issue 16): one bot user per workspace, and the state of its answers.
-- Keep it parallel to store/postgres/migrations/0012_assistant.sql.

ALTER TABLE users ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX users_bot_idx ON users (workspace_id) WHERE bot = 1;

-- state: '' complete (every message of a person), or an answer's 'streaming', 'failed',
-- 'canceled'. asker_id: who asked for the answer, NULL for any other message.
ALTER TABLE messages ADD COLUMN state TEXT NOT NULL DEFAULT ''
    CHECK (state IN ('', 'streaming', 'failed', 'canceled'));
ALTER TABLE messages ADD COLUMN asker_id INTEGER REFERENCES users (id);
CREATE INDEX messages_streaming_idx ON messages (created_at) WHERE state = 'streaming';
-- The daily quotas count answers per asker and per bot.
CREATE INDEX messages_asker_idx ON messages (asker_id, created_at) WHERE asker_id IS NOT NULL;
CREATE INDEX messages_answers_idx ON messages (sender_id, created_at) WHERE asker_id IS NOT NULL;
