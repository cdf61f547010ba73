-- Webhook events, committed before the sender gets its 2xx; unique by (source, event_id) so a
-- repeated delivery is recognised. `status`: pending, delivered, ignored, stale, capped, dead.
-- Times are Unix milliseconds.
CREATE TABLE webhook_events (
    source TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    PRIMARY KEY (source, event_id)
);

-- The worker's queue: pending events whose time has come.
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);
-- The purge of old events.
CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- Proactive messages, the outbox the event streams read. `message_id` makes a redelivery a
-- no-op; `seq` is the server-sent event id (`Last-Event-ID`).
CREATE TABLE proactive_messages (
    seq BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX proactive_messages_user ON proactive_messages (user_id, seq);
CREATE INDEX proactive_messages_conversation ON proactive_messages (conversation_id, seq);
CREATE INDEX proactive_messages_limit ON proactive_messages (source, user_id, created_at);

-- What each poller saw last: one row per item key, with a hash of the item's content and
-- how many changes were seen (the change's event id, the same on every instance).
CREATE TABLE poll_state (
    poller TEXT NOT NULL,
    item_key TEXT NOT NULL,
    hash TEXT NOT NULL,
    version BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (poller, item_key)
);
