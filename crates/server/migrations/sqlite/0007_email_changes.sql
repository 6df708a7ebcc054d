-- A requested change of address, waiting for the link mailed to the new address. A newer request
-- deletes the older unused one. When the new address already belonged to another account, the
-- row is stored all the same (so the requester sees the same pending state) but its token was
-- never mailed to anyone.
CREATE TABLE email_changes (
    -- SHA-256 of the token in the mailed link.
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    new_email TEXT NOT NULL,
    new_email_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_changes_account ON email_changes(account_id);
