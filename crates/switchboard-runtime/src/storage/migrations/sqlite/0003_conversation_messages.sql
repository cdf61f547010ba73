-- A conversation's messages, one row each: a turn appends its messages and deletes those past
-- the history limit, instead of rewriting the whole history inside the conversation's state.
CREATE TABLE conversation_messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The message's number in its conversation, from 0; the state's `messages` is the next one.
    seq INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

-- Histories saved before stay inside their conversation's state until its next save, which
-- appends them here (a state's `history` is read when the conversation has no rows yet).

-- What a save appends: {"first": N, "keep": N, "messages": [...]}, the messages numbered from
-- `first`, and the oldest number the history keeps. The save writes it with the state in one
-- statement; these triggers, part of that statement, move the messages into
-- conversation_messages, delete those before `keep` and clear the column. So a save stays one
-- atomic statement (a transaction of several would be a hand-off to SQLite's thread each).
ALTER TABLE conversations ADD COLUMN appending TEXT;

CREATE TRIGGER conversations_append_on_insert AFTER INSERT ON conversations
WHEN NEW.appending IS NOT NULL
BEGIN
    INSERT INTO conversation_messages (conversation_id, seq, message)
        SELECT NEW.id, json_extract(NEW.appending, '$.first') + m.key, m.value
        FROM json_each(NEW.appending, '$.messages') m;
    UPDATE conversations SET appending = NULL WHERE id = NEW.id;
END;

CREATE TRIGGER conversations_append_on_update AFTER UPDATE OF appending ON conversations
WHEN NEW.appending IS NOT NULL
BEGIN
    INSERT INTO conversation_messages (conversation_id, seq, message)
        SELECT NEW.id, json_extract(NEW.appending, '$.first') + m.key, m.value
        FROM json_each(NEW.appending, '$.messages') m;
    DELETE FROM conversation_messages
        WHERE conversation_id = NEW.id AND seq < json_extract(NEW.appending, '$.keep');
    UPDATE conversations SET appending = NULL WHERE id = NEW.id;
END;

-- No query lists a user's conversations by time (a user's default conversation is found by the
-- partial unique index of 0002), and every save moved this index's entry: one more page
-- written per turn, for nothing.
DROP INDEX conversations_user_id;
