-- A customer's dispute of one of their own history rows, and its timeline. The dispute's id is
-- also the number the customer quotes to support (`D-XXXX-XXXX-XXXX`).
CREATE TABLE disputes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    transaction_id TEXT NOT NULL REFERENCES wallet_transactions(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    -- Exactly as typed (any Unicode but NUL, up to 4,000 characters).
    details TEXT NOT NULL,
    -- The status of the latest event of its timeline, kept here for the one-open-dispute rule.
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Microseconds: orders disputes made within one second, newest first.
    created_micros BIGINT NOT NULL
);
-- One open dispute per transaction, however many requests race: the database refuses the second.
CREATE UNIQUE INDEX disputes_one_open ON disputes(transaction_id)
    WHERE status IN ('submitted', 'under_review', 'more_info_needed');
CREATE INDEX disputes_transaction ON disputes(transaction_id);
CREATE INDEX disputes_account ON disputes(account_id, created_micros);

-- Every status a dispute has had, oldest first; `seq` numbers them 1, 2, 3, ... per dispute.
CREATE TABLE dispute_events (
    dispute_id TEXT NOT NULL REFERENCES disputes(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    -- What support asked for, or why the dispute was declined.
    note TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (dispute_id, seq)
);
