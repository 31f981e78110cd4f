-- chats.member_count: kept by statement-level triggers (one UPDATE per chat per statement,
-- however many members it adds), so every path that adds or removes members keeps it right.
-- The hub reads it to keep presence fan-out away from very large chats.
ALTER TABLE chats ADD COLUMN member_count integer NOT NULL DEFAULT 0;
UPDATE chats SET member_count = (SELECT count(*) FROM members WHERE members.chat_id = chats.id);

CREATE FUNCTION members_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE chats c SET member_count = c.member_count + n.cnt
  FROM (SELECT chat_id, count(*) AS cnt FROM new_members GROUP BY chat_id) n
  WHERE c.id = n.chat_id;
  RETURN NULL;
END $$;

CREATE FUNCTION members_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE chats c SET member_count = c.member_count - o.cnt
  FROM (SELECT chat_id, count(*) AS cnt FROM old_members GROUP BY chat_id) o
  WHERE c.id = o.chat_id;
  RETURN NULL;
END $$;

CREATE TRIGGER members_count_insert AFTER INSERT ON members
  REFERENCING NEW TABLE AS new_members FOR EACH STATEMENT EXECUTE FUNCTION members_count_insert();
CREATE TRIGGER members_count_delete AFTER DELETE ON members
  REFERENCING OLD TABLE AS old_members FOR EACH STATEMENT EXECUTE FUNCTION members_count_delete();
