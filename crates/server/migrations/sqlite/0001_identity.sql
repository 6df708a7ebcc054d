CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    -- As the person typed it; `email_key` (lower case) is what makes an account unique.
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    email_verified_at BIGINT,
    -- PHC string: algorithm, version and parameters travel with each hash.
    password_hash TEXT NOT NULL,
    -- Absent when not given; never a default.
    display_name TEXT,
    locale TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a copy of the database holds no live session.
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT,
    ip TEXT
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The address this token proves; a token for an old address cannot verify a new one.
    email_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_account ON email_verifications(account_id);

-- Fixed-window counters shared by every server process (sign-in and sign-up throttling).
CREATE TABLE throttle_counters (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);

-- Mail is queued in the same transaction as the change it reports, then delivered with retries.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);
