-- Two-step verification (TOTP). Secrets are sealed (secret_box, account id as associated data):
-- a copy of the database alone opens none of them.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
-- Made by totp_enroll_start, active only once totp_enroll_confirm sees a code from it.
ALTER TABLE accounts ADD COLUMN totp_pending_secret TEXT;
-- The step of the last accepted code: that code, and every older one, is refused from then on.
ALTER TABLE accounts ADD COLUMN totp_last_used_step BIGINT;
-- Set while two-step verification is on.
ALTER TABLE accounts ADD COLUMN totp_enabled_at BIGINT;

-- When this session last proved a fresh factor (`step_up`); sensitive changes need it recent.
ALTER TABLE sessions ADD COLUMN stepped_up_at BIGINT;

CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- Keyed HMAC of the normalised code (identity::recovery::hash); never the code itself.
    code_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
);
