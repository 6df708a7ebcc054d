-- A sign-in whose password was right on an account with two-step verification: it becomes a
-- session only when `sign_in_second_factor` gets a right code with this row's cookie.
CREATE TABLE pending_sign_ins (
    -- SHA-256 of the `pending-sign-in` cookie's token.
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Wrong codes given with this row; it is deleted at the limit.
    attempts BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pending_sign_ins_account ON pending_sign_ins(account_id);
