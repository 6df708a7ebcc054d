-- Sessions get a public id, so a customer can name one to revoke without the secret hash
-- ever leaving the server.
ALTER TABLE sessions ADD COLUMN id TEXT;
UPDATE sessions SET id = substr(token_hash, 1, 32) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id ON sessions(id);
