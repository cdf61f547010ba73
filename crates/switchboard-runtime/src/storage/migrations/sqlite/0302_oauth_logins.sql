-- Connect flows started and not yet finished: the nonce sealed in each OAuth state, deleted
-- when its callback arrives, so a state can be used once. Expired rows are purged as new
-- logins start.
CREATE TABLE oauth_logins (
    nonce TEXT PRIMARY KEY NOT NULL,
    connector TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX oauth_logins_expires ON oauth_logins (expires_at);
