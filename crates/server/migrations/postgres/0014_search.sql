-- PostgreSQL: a trigram index over the history's search text, so that a search for a rare word
-- reads the rows that contain it instead of the whole wallet. pg_trgm makes `LIKE '%word%'`
-- indexable (the index is lossy: every candidate is checked by the LIKE itself); btree_gin puts
-- the wallet in the same index, so a word is looked up within one wallet, however common it is in
-- others. The planner picks this index or reading the history newest first by the rows it
-- expects; `wallet::search` says which words may use it.
--
-- Both extensions ship with PostgreSQL (Debian: in the postgresql package) and are trusted: the
-- database's owner can create them without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
-- fastupdate off: each new row goes into the index at once (some tens of µs per insert) instead of
-- into a pending list that every search reads through until VACUUM merges it (up to 4 MB: about
-- 10 ms a search at the end).
CREATE INDEX wallet_transactions_search ON wallet_transactions
    USING gin (account_id, search_text gin_trgm_ops) WITH (fastupdate = off);
