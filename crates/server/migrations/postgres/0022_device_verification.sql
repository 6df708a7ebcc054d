-- Device verification: a right password from a browser that has not proved itself for the
-- account, on an account without a second factor, becomes a pending sign-in of kind `device`
-- that only the six-digit code mailed to the account's address finishes.
--
-- `kind` is `second_factor` (a TOTP or recovery code finishes it) or `device` (the mailed code).
ALTER TABLE pending_sign_ins ADD COLUMN kind TEXT NOT NULL DEFAULT 'second_factor';
-- HMAC of the mailed code, keyed by the server's secret and bound to this row's token; NULL
-- for kind `second_factor`.
ALTER TABLE pending_sign_ins ADD COLUMN code_hash TEXT;
-- SHA-256 of the token in the mail's "This was not me" link, which ends this attempt.
ALTER TABLE pending_sign_ins ADD COLUMN not_me_hash TEXT;
CREATE UNIQUE INDEX pending_sign_ins_not_me ON pending_sign_ins(not_me_hash);

-- Device cookies name the generation they were issued in; signing every other device out
-- moves the account to the next one, so every earlier cookie stops being trusted at once.
ALTER TABLE accounts ADD COLUMN device_generation BIGINT NOT NULL DEFAULT 0;
