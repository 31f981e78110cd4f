-- chats.member_count: kept by triggers, so every path that adds or removes members keeps it
-- right. The hub reads it to keep presence fan-out away from very large chats.
ALTER TABLE chats ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE chats SET member_count = (SELECT count(*) FROM members WHERE members.chat_id = chats.id);

CREATE TRIGGER members_count_insert AFTER INSERT ON members BEGIN
  UPDATE chats SET member_count = member_count + 1 WHERE id = NEW.chat_id;
END;

CREATE TRIGGER members_count_delete AFTER DELETE ON members BEGIN
  UPDATE chats SET member_count = member_count - 1 WHERE id = OLD.chat_id;
END;
