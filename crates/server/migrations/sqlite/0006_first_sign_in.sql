-- When the account first completed a sign-in. Until then there is no earlier device to compare a
-- new one with, so the first sign-in sends no "new device" mail.
ALTER TABLE accounts ADD COLUMN first_sign_in_at BIGINT;
-- Accounts that already have a session have signed in before; the others are not assumed to.
UPDATE accounts SET first_sign_in_at =
    (SELECT MIN(sessions.created_at) FROM sessions WHERE sessions.account_id = accounts.id);
