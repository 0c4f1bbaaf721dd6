//! The tables and indexes of the PostgreSQL store, created at connect if missing.

/// The schema, created if missing. Times are Unix seconds in `BIGINT`; report bodies are the
/// report's JSON as uploaded. Carriers and lines are their records' JSON, with the columns they
/// are looked up by beside it. The global `policy` bundle older servers kept is gone.
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS activation_tokens (
    token_hash BYTEA PRIMARY KEY,
    added_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    country TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS parents (
    id TEXT PRIMARY KEY,
    public_key BYTEA NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
    principal TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (principal, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_by_expiry ON nonces (expires_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    device_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash BYTEA NOT NULL,
    started_at BIGINT NOT NULL,
    status INTEGER,
    body BYTEA,
    PRIMARY KEY (device_id, key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_start ON idempotency_keys (started_at);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    device_id TEXT NOT NULL,
    report_hash BYTEA NOT NULL,
    kind TEXT NOT NULL,
    country TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_device ON reports (device_id, seq);
CREATE INDEX IF NOT EXISTS reports_by_age ON reports (received_at);
CREATE TABLE IF NOT EXISTS report_destinations (
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    forwarded BOOLEAN NOT NULL,
    PRIMARY KEY (report_id, position)
);
CREATE INDEX IF NOT EXISTS hotline_destinations
    ON report_destinations (report_id) WHERE kind = 'hotline';
CREATE INDEX IF NOT EXISTS helpline_destinations
    ON report_destinations (report_id) WHERE kind = 'helpline';
CREATE TABLE IF NOT EXISTS feed_items (
    seq BIGSERIAL PRIMARY KEY,
    parent_id TEXT NOT NULL,
    report_id TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS feed_items_by_parent ON feed_items (parent_id, seq);
CREATE INDEX IF NOT EXISTS feed_items_by_report ON feed_items (report_id);
DROP TABLE IF EXISTS pairing_codes;
CREATE TABLE IF NOT EXISTS pairings (
    device_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    paired_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, parent_id)
);
CREATE INDEX IF NOT EXISTS pairings_by_parent ON pairings (parent_id);
CREATE TABLE IF NOT EXISTS pairing_invites (
    device_id TEXT PRIMARY KEY,
    pairing_public_key BYTEA NOT NULL,
    expires_at BIGINT NOT NULL,
    wrong_claims BIGINT NOT NULL,
    claims TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS device_owners (
    device_id TEXT PRIMARY KEY,
    parent_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS statement_seqs (
    device_id TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq BIGSERIAL PRIMARY KEY,
    recipient TEXT NOT NULL,
    sender TEXT NOT NULL,
    kind TEXT NOT NULL,
    blob TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages (recipient, seq);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (received_at);
CREATE TABLE IF NOT EXISTS bundles (
    kind TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    bytes BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS device_status (
    device_id TEXT PRIMARY KEY,
    lists_version BIGINT,
    lists_out_of_date_since BIGINT,
    lists_unavailable BOOLEAN NOT NULL,
    reported_at BIGINT NOT NULL
);
ALTER TABLE device_status ADD COLUMN IF NOT EXISTS snapshot TEXT;
DELETE FROM bundles WHERE kind = 'policy';
CREATE TABLE IF NOT EXISTS carriers (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lines (
    handle TEXT PRIMARY KEY,
    carrier_id TEXT NOT NULL,
    device_id TEXT UNIQUE,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS lines_by_carrier ON lines (carrier_id);
";
