-- The customer's history filters that must stay fast on a wallet of 100,000 rows. Each serves
-- one equality filter and still yields rows newest first by keyset (created_at, id), so a
-- filtered page reads about one page of index entries instead of scanning the wallet.
CREATE INDEX wallet_transactions_merchant ON wallet_transactions(account_id, merchant_name, created_at DESC, id DESC);
CREATE INDEX wallet_transactions_kind ON wallet_transactions(account_id, kind, created_at DESC, id DESC);
-- Also covers the monthly spending chart (completed payments and refunds over a date range) so
-- that it reads only this index, not the rows.
CREATE INDEX wallet_transactions_status ON wallet_transactions(account_id, status, created_at DESC, id DESC, kind, currency, amount_minor);
