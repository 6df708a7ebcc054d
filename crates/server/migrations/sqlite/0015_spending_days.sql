-- Spending per UTC day, so that the monthly chart adds up about 400 days instead of reading every
-- payment of a year. A row holds the sum of `amount_minor` (payments negative, refunds positive)
-- of the wallet's completed payments and refunds in that currency created in that UTC day;
-- `wallet::stats` reads whole days from here and the rest of a local month from the rows.
--
-- Kept by triggers in the same transaction as the change to wallet_transactions, whichever module
-- (or test) writes it: insert adds, delete subtracts, an update subtracts the old row and adds the
-- new. A day can net to zero and stay; a missing day is zero.
CREATE TABLE wallet_spending_days (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    -- The UTC midnight starting the day, in Unix seconds: created_at rounded down to a day.
    day_start BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (account_id, currency, day_start)
);
INSERT INTO wallet_spending_days (account_id, currency, day_start, amount_minor)
    SELECT account_id, currency, created_at - (created_at % 86400 + 86400) % 86400,
           SUM(amount_minor)
    FROM wallet_transactions
    WHERE status = 'completed' AND kind IN ('payment', 'refund')
    GROUP BY account_id, currency, created_at - (created_at % 86400 + 86400) % 86400;

CREATE TRIGGER wallet_spending_insert AFTER INSERT ON wallet_transactions
WHEN new.status = 'completed' AND new.kind IN ('payment', 'refund') BEGIN
    INSERT INTO wallet_spending_days (account_id, currency, day_start, amount_minor)
        VALUES (new.account_id, new.currency,
                new.created_at - (new.created_at % 86400 + 86400) % 86400, new.amount_minor)
        ON CONFLICT (account_id, currency, day_start)
        DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;
CREATE TRIGGER wallet_spending_delete AFTER DELETE ON wallet_transactions
WHEN old.status = 'completed' AND old.kind IN ('payment', 'refund') BEGIN
    UPDATE wallet_spending_days SET amount_minor = amount_minor - old.amount_minor
        WHERE account_id = old.account_id AND currency = old.currency
          AND day_start = old.created_at - (old.created_at % 86400 + 86400) % 86400;
END;
-- An update is the old row taken out and the new one put in (two triggers: SQLite's WHEN is per
-- trigger, and the order they run in does not change the sums).
CREATE TRIGGER wallet_spending_update_old
AFTER UPDATE OF account_id, kind, status, amount_minor, currency, created_at ON wallet_transactions
WHEN old.status = 'completed' AND old.kind IN ('payment', 'refund') BEGIN
    UPDATE wallet_spending_days SET amount_minor = amount_minor - old.amount_minor
        WHERE account_id = old.account_id AND currency = old.currency
          AND day_start = old.created_at - (old.created_at % 86400 + 86400) % 86400;
END;
CREATE TRIGGER wallet_spending_update_new
AFTER UPDATE OF account_id, kind, status, amount_minor, currency, created_at ON wallet_transactions
WHEN new.status = 'completed' AND new.kind IN ('payment', 'refund') BEGIN
    INSERT INTO wallet_spending_days (account_id, currency, day_start, amount_minor)
        VALUES (new.account_id, new.currency,
                new.created_at - (new.created_at % 86400 + 86400) % 86400, new.amount_minor)
        ON CONFLICT (account_id, currency, day_start)
        DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
END;
