-- Evidence: screenshots, fraud reports with their sealed chain, and wallet freezes.

-- What the evidence store holds, by content: a file's name in the store is its SHA-256. Two
-- customers uploading the same bytes share one file; who may read it is decided by `uploads`.
CREATE TABLE evidence_files (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    -- CRC-32 of the bytes, so the evidence bundle (a ZIP) is laid out without reading them.
    crc32 BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A screenshot a customer uploaded. Unattached until a report or a dispute names it; then it
-- belongs to that case for good (nothing updates `report_id`/`dispute_id` once set).
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL REFERENCES evidence_files(sha256),
    original_sha256 TEXT NOT NULL,
    original_size BIGINT NOT NULL,
    format TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    -- As the customer's device named it; only ever shown.
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Microseconds: keeps screenshots uploaded in one second in their order.
    created_micros BIGINT NOT NULL,
    report_id TEXT,
    dispute_id TEXT REFERENCES disputes(id),
    attached_at BIGINT,
    -- 1, 2, 3, ... in the order the customer gave, within its report or dispute.
    position BIGINT
);
CREATE INDEX uploads_account ON uploads(account_id, created_micros);
CREATE INDEX uploads_report ON uploads(report_id);
CREATE INDEX uploads_dispute ON uploads(dispute_id);

CREATE TABLE fraud_reports (
    -- Also the number the customer quotes: F-XXXX-XXXX-XXXX.
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    -- Exactly as typed.
    description TEXT NOT NULL,
    -- The status of the chain's latest entry, kept here for lists and the support queue.
    status TEXT NOT NULL,
    -- SHA-256 of the sealed manifest (chain entry 1), mailed to the customer when made.
    manifest_sha256 TEXT NOT NULL,
    snapshot_rows BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_micros BIGINT NOT NULL
);
CREATE INDEX fraud_reports_account ON fraud_reports(account_id, created_micros);

CREATE TABLE fraud_report_transactions (
    report_id TEXT NOT NULL REFERENCES fraud_reports(id),
    transaction_id TEXT NOT NULL REFERENCES wallet_transactions(id),
    PRIMARY KEY (report_id, transaction_id)
);

-- A report's evidence chain, append-only. `body` is the exact JSON text that was hashed:
-- `sha256` = SHA-256(body), and every body after the first names the previous entry's hash, so
-- a change to any entry, or to any file an entry names, is found by `portal-server evidence
-- verify`.
CREATE TABLE evidence_entries (
    report_id TEXT NOT NULL REFERENCES fraud_reports(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

-- Money movement out of a wallet stopped by a report. Active while `lifted_at` is NULL; only
-- support lifts it.
CREATE TABLE wallet_freezes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    report_id TEXT NOT NULL REFERENCES fraud_reports(id),
    frozen_at BIGINT NOT NULL,
    lifted_at BIGINT,
    lifted_by TEXT
);
CREATE INDEX wallet_freezes_active ON wallet_freezes(account_id) WHERE lifted_at IS NULL;
