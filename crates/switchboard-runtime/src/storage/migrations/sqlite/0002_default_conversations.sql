-- Each user has at most one default conversation: the one a turn naming no conversation
-- continues and proactive messages join. It is found by its owner, never by a computed id.
ALTER TABLE conversations ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX conversations_default ON conversations (user_id) WHERE is_default = 1;
