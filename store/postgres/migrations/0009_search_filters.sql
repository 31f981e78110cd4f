-- Search, second version (issue 17): the tsvector also holds the message's chat and sender, as
-- the lexemes '#c<chat_id>' and '#s<sender_id>' (no word lexeme contains '#': ASCII
-- punctuation is turned into spaces before parsing). A search puts its chat and sender filters
-- into the same tsquery ('word' & ('#c1' | '#c2' | …)), so one GIN scan finds exactly the
-- messages the user may read that match, instead of AND-ing the word's bitmap with a bitmap of
-- every message of the user's chats (tens of thousands of rows from the (chat_id, seq) index).
-- Ranking uses the words alone (ts_rank_cd with the text query): positionless lexemes do not
-- count.
--
-- The column is recomputed for every row and the index rebuilt: on a big installation this
-- migration rewrites the messages table (minutes per million messages) and holds its lock
-- meanwhile.

DROP INDEX messages_tsv_idx;
ALTER TABLE messages DROP COLUMN tsv;
ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('fechatter'::regconfig,
        translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', repeat(' ', 32)))
    || array_to_tsvector(ARRAY['#c' || chat_id::text, '#s' || sender_id::text])
) STORED;
CREATE INDEX messages_tsv_idx ON messages USING gin (tsv);
