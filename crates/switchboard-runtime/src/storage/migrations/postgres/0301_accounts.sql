-- Per-user connected accounts: OAuth tokens sealed with bot.accounts_key (XChaCha20-Poly1305,
-- nonce || ciphertext); only the owner, connector and status are readable.
CREATE TABLE accounts (
    user_id TEXT NOT NULL,
    connector TEXT NOT NULL,
    status TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, connector)
);
