-- The short-lived codes a customer shows at a store. Only a keyed hash of the digits is stored.
-- A code is spent (used_at) in the same transaction as the payment it pays for; issuing a new code
-- voids the customer's older unused ones. Expired rows are deleted by the maintenance sweep.
CREATE TABLE payment_codes (
    code_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The wallet the code pays from.
    wallet_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    voided_at BIGINT
);
CREATE INDEX payment_codes_account ON payment_codes(account_id);
