-- The audit trail: one row per upstream attempt (or cache answer) and per webhook.
-- Append-only: rows are never updated; only the retention purge deletes old ones.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_pseudonym TEXT,
    connector TEXT NOT NULL,
    operation TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER,
    outcome TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    attempt INTEGER NOT NULL,
    cached INTEGER NOT NULL,
    trace_id TEXT,
    detail TEXT
);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
