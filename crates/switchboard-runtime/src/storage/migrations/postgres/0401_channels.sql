-- Messaging channels: every message received from a platform, committed before the platform
-- gets its 2xx and unique by (channel, message_id) (the platform's own id: wamid, update_id,
-- event_id, MessageSid), so a repeated delivery is recognised; and proactive messages queued
-- for a channel. `chat` orders them: only the oldest pending message of a chat is claimed, so
-- a conversation's messages are handled in order. `kind`: inbound, outbound. `status`:
-- pending, done, failed. Times are Unix milliseconds.
CREATE TABLE channel_messages (
    seq BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    chat TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by TEXT,
    claim_run TEXT,
    last_error TEXT,
    received_at BIGINT NOT NULL,
    UNIQUE (channel, message_id)
);

CREATE INDEX channel_messages_chat ON channel_messages (status, chat, seq);
CREATE INDEX channel_messages_due ON channel_messages (status, next_attempt_at);
CREATE INDEX channel_messages_received ON channel_messages (received_at);

-- Who is who: a channel user (address: phone number, chat id, TEAM:USER) and the Switchboard
-- user id it maps to, with where and when they last wrote (WhatsApp's 24-hour window, and
-- where proactive messages go). `context`: what a reply needs besides the address (JSON).
CREATE TABLE channel_users (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    user_id TEXT NOT NULL,
    last_inbound_at BIGINT NOT NULL,
    context TEXT NOT NULL,
    PRIMARY KEY (channel, address)
);

CREATE INDEX channel_users_user ON channel_users (user_id, last_inbound_at);
