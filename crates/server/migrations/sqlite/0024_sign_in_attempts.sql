-- Every sign-in attempt on an account, for the customer's own sign-in history (90 days): an
-- attack shows to the customer, not only to support.
CREATE TABLE sign_in_attempts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    -- signed_in, wrong_password, wrong_code, device_code_sent, device_verified, not_me
    outcome TEXT NOT NULL,
    address TEXT NOT NULL,
    user_agent TEXT
);
CREATE INDEX sign_in_attempts_account ON sign_in_attempts(account_id, at, id);
CREATE INDEX sign_in_attempts_at ON sign_in_attempts(at);
