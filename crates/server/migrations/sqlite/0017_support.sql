-- Support: who may work the queue, the queue itself, what agents write on a case, refunds they
-- post, and the audit log of everything they see and do.

-- customer | agent | admin. Only `portal-server agent create` makes an agent or an admin.
ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL DEFAULT 'customer';

-- One row per dispute or fraud report, kept in step by the code that makes them and changes
-- their status: the queue reads this table alone, so it pages by keyset at any size.
CREATE TABLE cases (
    -- The dispute's or the report's id.
    id TEXT PRIMARY KEY,
    -- dispute | fraud_report
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    status TEXT NOT NULL,
    -- 1 while the status is submitted, under_review or more_info_needed.
    is_open BIGINT NOT NULL,
    -- The size of the money in question (the disputed row, or the reported rows together).
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    assignee_id TEXT REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX cases_age ON cases(is_open, created_at, id);
CREATE INDEX cases_kind_age ON cases(kind, is_open, created_at, id);
CREATE INDEX cases_status_age ON cases(status, created_at, id);
CREATE INDEX cases_assignee_age ON cases(assignee_id, is_open, created_at, id);
CREATE INDEX cases_amount ON cases(is_open, amount_minor, id);
CREATE INDEX cases_kind_amount ON cases(kind, is_open, amount_minor, id);

INSERT INTO cases (id, kind, account_id, status, is_open, amount_minor, currency, created_at, updated_at)
SELECT d.id, 'dispute', d.account_id, d.status,
       CASE WHEN d.status IN ('submitted', 'under_review', 'more_info_needed') THEN 1 ELSE 0 END,
       abs(t.amount_minor), t.currency, d.created_at, d.updated_at
FROM disputes d JOIN wallet_transactions t ON t.id = d.transaction_id;

INSERT INTO cases (id, kind, account_id, status, is_open, amount_minor, currency, created_at, updated_at)
SELECT r.id, 'fraud_report', r.account_id, r.status,
       CASE WHEN r.status IN ('submitted', 'under_review', 'more_info_needed') THEN 1 ELSE 0 END,
       COALESCE((SELECT sum(abs(t.amount_minor)) FROM fraud_report_transactions rt
                 JOIN wallet_transactions t ON t.id = rt.transaction_id
                 WHERE rt.report_id = r.id), 0),
       COALESCE((SELECT min(t.currency) FROM fraud_report_transactions rt
                 JOIN wallet_transactions t ON t.id = rt.transaction_id
                 WHERE rt.report_id = r.id), 'JPY'),
       r.created_at, r.updated_at
FROM fraud_reports r;

-- What agents write on a case for each other; the customer never sees these.
CREATE TABLE case_notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    author_id TEXT NOT NULL REFERENCES accounts(id),
    -- Exactly as typed.
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_micros BIGINT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id, created_micros);

-- At most one refund per case, ever: the unique case_id makes a second one fail in the store.
CREATE TABLE case_refunds (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases(id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES accounts(id),
    requested_at BIGINT NOT NULL,
    -- Set when a second agent approves a refund above the four-eyes amount.
    approved_by TEXT REFERENCES accounts(id),
    -- The journal entry, once posted.
    entry_id TEXT,
    posted_at BIGINT
);

-- Counts per hour of what agents watch for a spike (docs/threat-model.md#t14): sign-in failures,
-- new-device sign-ins, password resets, top-ups, disputes, fraud reports.
CREATE TABLE event_counts (
    -- Seconds since the epoch at the start of the hour (UTC).
    hour BIGINT NOT NULL,
    kind TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (hour, kind)
);

-- Every agent view of customer data and every agent or admin action, chained by hash like the
-- evidence: entry n holds the SHA-256 of entry n - 1, and its own is the SHA-256 of `body`.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    customer_id TEXT,
    case_id TEXT,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX audit_log_customer ON audit_log(customer_id, seq);

-- The chain's head, one row: updating it first makes every writer wait its turn, on both
-- backends, so no two entries take the same place.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    sha256 TEXT
);
INSERT INTO audit_head (id, seq, sha256) VALUES (1, 0, NULL);
