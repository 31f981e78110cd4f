-- Search, third version (issue 17): the tsvector also holds the message's id range, as the
-- lexeme '#b<id >> 16>' (one "block" per 65,536 ids). A search asks for the newest blocks first
-- ('word' & ('#c1' | …) & ('#b15')), widening to older blocks only until it has the page (sort
-- by recency) or the relevance window: the GIN scan then returns, and the heap is read for, the
-- matches of those blocks alone instead of every readable match of a frequent word
-- (store/postgres/searchwindow.go).
--
-- The column is recomputed for every row and the index rebuilt: on a big installation this
-- migration rewrites the messages table (minutes per million messages) and holds its lock
-- meanwhile.
DROP INDEX messages_tsv_idx;
ALTER TABLE messages DROP COLUMN tsv;
ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('fechatter'::regconfig,
        translate(text || ' ' || file_names, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', repeat(' ', 32)))
    || array_to_tsvector(ARRAY['#c' || chat_id::text, '#s' || sender_id::text, '#b' || (id >> 16)::text])
) STORED;
CREATE INDEX messages_tsv_idx ON messages USING gin (tsv);
