-- The audit trail: one row per upstream attempt (or cache answer) and per webhook.
-- Append-only: rows are never updated; only the retention purge deletes old ones.
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL,
    user_pseudonym TEXT,
    connector TEXT NOT NULL,
    operation TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER,
    outcome TEXT NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    attempt INTEGER NOT NULL,
    cached BOOLEAN NOT NULL,
    trace_id TEXT,
    detail TEXT
);
CREATE INDEX audit_at ON audit (at);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
