-- One row per conversation; the whole state is a JSON document, `version` guards concurrent saves.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- RFC 3339 UTC with a fixed number of digits, so text order is time order.
    updated_at TEXT NOT NULL
);

-- Listing a user's conversations, most recent first.
CREATE INDEX conversations_user_id ON conversations (user_id, updated_at);
