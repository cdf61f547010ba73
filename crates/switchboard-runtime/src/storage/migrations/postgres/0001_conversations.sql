-- One row per conversation; the whole state is a JSON document, `version` guards concurrent saves.
-- `json`, not `jsonb`: jsonb rejects the escape `\u0000`, so a NUL character in a message or an
-- upstream's value would fail here and succeed on SQLite. The state is only read whole, by id.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    state JSON NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Listing a user's conversations, most recent first.
CREATE INDEX conversations_user_id ON conversations (user_id, updated_at);
