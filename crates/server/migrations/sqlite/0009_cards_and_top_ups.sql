-- The first answer to every request that moves money, by its idempotency key: the same key again
-- gets this answer again (status and body, a refusal included) and moves nothing. A row without
-- an answer is a request still being worked on; a request that failed for a passing reason (the
-- store was busy) deletes its row so that the same key can be tried again.
CREATE TABLE idempotency_keys (
    -- 'customer:<account id>' or 'merchant:<merchant id>': keys are per caller.
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- The operationId, and SHA-256 of it with the request: the same key for another request is
    -- refused.
    operation TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    answered_at BIGINT,
    PRIMARY KEY (scope, idempotency_key)
);

-- A registered card: the processor's token and what the customer needs to recognise the card.
-- Never the number or the security code. A removed card keeps its row (its top-ups refer to it)
-- but can no longer be used or listed.
CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    processor_token TEXT NOT NULL,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    exp_month BIGINT NOT NULL,
    exp_year BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX cards_account ON cards(account_id, created_at);

-- A top-up's dealings with the card processor. Its id is the history row's id and the reference
-- the processor knows the charge by; its journal entry has idempotency scope 'top_up' and this id
-- as key, so however many times it is settled (answer and callbacks racing) money moves once.
CREATE TABLE top_ups (
    id TEXT PRIMARY KEY REFERENCES wallet_transactions(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    card_id TEXT NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    -- 'pending', 'completed' or 'declined'; only a pending one changes, once.
    status TEXT NOT NULL,
    -- The UTC day (days since the epoch) whose daily limit it counts against.
    limit_day BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    settled_at BIGINT
);
CREATE INDEX top_ups_account ON top_ups(account_id);

-- How much of each UTC day's top-up limit a customer has used (pending and completed top-ups;
-- a declined one gives its amount back). Raised by one conditional upsert, so two top-ups at once
-- cannot both squeeze under the limit.
CREATE TABLE top_up_usage (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day BIGINT NOT NULL,
    used_minor BIGINT NOT NULL,
    PRIMARY KEY (account_id, day)
);
