-- Search finds a message by its files' names (issue 11): tsv of migration 0009 also covers
-- file_names (migration 0006). Numbered after 0009 because it redefines what 0009 made.
DROP INDEX messages_tsv_idx;
ALTER TABLE messages DROP COLUMN tsv;
ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('fechatter'::regconfig,
        translate(text || ' ' || file_names, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', repeat(' ', 32)))
    || array_to_tsvector(ARRAY['#c' || chat_id::text, '#s' || sender_id::text])
) STORED;
CREATE INDEX messages_tsv_idx ON messages USING gin (tsv);
