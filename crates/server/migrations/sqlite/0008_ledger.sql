-- The wallet's money: an append-only double-entry journal in integer minor units. Nothing here is
-- ever updated or deleted; a balance is the last `balance_after` of an account's postings.

-- Where money is: a customer's wallet, a merchant, or the world outside (the card network's
-- clearing account, which goes negative as money comes in from cards). System accounts have
-- owner_id 'system' so the unique index below holds for them too.
CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_accounts_owner ON ledger_accounts(kind, owner_id, currency);

-- One movement of money. The same (scope, key) twice is one entry: the idempotency of every
-- request that moves money rests on this unique index.
CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the request: the same key with a different request is refused, not replayed.
    request_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX journal_entries_idempotency ON journal_entries(idempotency_scope, idempotency_key);

-- The legs of an entry; an entry's amounts sum to zero. `seq` numbers each account's postings
-- 1, 2, 3, ...: two writers that read the same balance race for the same (account, seq) and only
-- one insert can win, so a balance is never spent twice.
CREATE TABLE postings (
    ledger_account_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    seq BIGINT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES journal_entries(id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    balance_after BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ledger_account_id, seq)
);
CREATE INDEX postings_entry ON postings(entry_id);

CREATE TABLE merchants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- SHA-256 of the merchant's API key: a copy of the database holds no usable key.
    api_key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- The customer's view of their wallet: one row per line of their history, written in the same
-- database transaction as the postings it describes. A declined top-up has a row and no entry
-- (no money moved). Only `status` and `entry_id` change, as a pending top-up settles.
CREATE TABLE wallet_transactions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    wallet_id TEXT NOT NULL REFERENCES ledger_accounts(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    -- Signed, from the customer's side: top-ups and refunds positive, payments negative.
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    merchant_id TEXT REFERENCES merchants(id),
    merchant_name TEXT,
    memo TEXT,
    entry_id TEXT REFERENCES journal_entries(id),
    -- What the history's text search reads: `wallet::search_text` of the merchant name and memo
    -- (NFKC, lower case), made in Rust because SQLite's lower() knows only ASCII.
    search_text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- History is read newest first, a page at a time, by keyset (created_at, id): never OFFSET.
CREATE INDEX wallet_transactions_history ON wallet_transactions(account_id, created_at DESC, id DESC);
