-- SQLite: a trigram index over the history's search text, so that a search for a rare word reads
-- the rows that contain it instead of the whole wallet. FTS5's trigram tokenizer indexes every run
-- of three characters (any script; case_sensitive 1: `search_text` is lower case already, and the
-- index must not fold it another way), so a word of three or more characters is found by the
-- phrase of its trigrams: exactly the rows whose search text contains it. `wallet::search` says
-- when the history reads it; the LIKE of every word still decides what matches.
--
-- An external-content table: the text stays in wallet_transactions, the index is keyed by its
-- rowid. That table has indexes, so VACUUM keeps its rowids (it copies rows with them); anything
-- that renumbered them would have to run `INSERT INTO wallet_search(wallet_search)
-- VALUES ('rebuild')`.
CREATE VIRTUAL TABLE wallet_search USING fts5(
    search_text,
    content = 'wallet_transactions',
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO wallet_search(wallet_search) VALUES ('rebuild');

-- Kept in step by the database, whoever writes the rows.
CREATE TRIGGER wallet_search_insert AFTER INSERT ON wallet_transactions BEGIN
    INSERT INTO wallet_search(rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER wallet_search_delete AFTER DELETE ON wallet_transactions BEGIN
    INSERT INTO wallet_search(wallet_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER wallet_search_update AFTER UPDATE OF search_text ON wallet_transactions BEGIN
    INSERT INTO wallet_search(wallet_search, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    INSERT INTO wallet_search(rowid, search_text) VALUES (new.rowid, new.search_text);
END;
