-- Full-text search over message text.
--
-- Text search configuration "fechatter": the 'simple' dictionary (lower case, no stemming, no
-- stop words: right for a multilingual chat) behind 'unaccent' (diacritics folded: "cafe"
-- finds "café"). ASCII punctuation is turned into spaces before parsing, so "alice@acme.io"
-- and "foo-bar" index their parts ("alice", "acme", "io"), the same words the query parser
-- produces. Partial words: the last word of a query is a prefix (tsquery 'word':*), which the
-- GIN index serves; infix matching (pg_trgm) is not used.
--
-- unaccent ships with PostgreSQL (contrib) and is a trusted extension: a database owner may
-- create it.

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION fechatter (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION fechatter
    ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart
    WITH unaccent, simple;

-- A stored generated column: every insert or update of text recomputes it in the same
-- transaction. Tombstones have empty text, hence an empty vector.
ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    to_tsvector('fechatter'::regconfig,
        translate(text, '!"#$%&''()*+,-./:;<=>?@[\]^_`{|}~', repeat(' ', 32)))
) STORED;

CREATE INDEX messages_tsv_idx ON messages USING gin (tsv);
