-- What a session's last step-up was made with: `second_factor` (a TOTP or recovery code) or
-- `password` (allowed while two-step verification is off, for settings only). Money (adding a
-- card, a top-up) takes a second factor, never the login password.
ALTER TABLE sessions ADD COLUMN step_up_factor TEXT;
