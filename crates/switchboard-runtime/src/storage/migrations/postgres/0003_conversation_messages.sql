-- A conversation's messages, one row each: a turn appends its messages and deletes those past
-- the history limit, instead of rewriting the whole history inside the conversation's state.
-- A save does both in the statement that checks and bumps the version (a data-modifying
-- `WITH`), so the messages are stored exactly when the state is. `json`, as the state.
CREATE TABLE conversation_messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The message's number in its conversation, from 0; the state's `messages` is the next one.
    seq BIGINT NOT NULL,
    message JSON NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);

-- Histories saved before stay inside their conversation's state until its next save, which
-- appends them here (a state's `history` is read when the conversation has no rows yet).

-- No query lists a user's conversations by time (a user's default conversation is found by the
-- partial unique index of 0002), and every save moved this index's entry: one more page
-- written per turn, for nothing.
DROP INDEX conversations_user_id;
