-- Spending per UTC day, so that the monthly chart adds up about 400 days instead of reading every
-- payment of a year. A row holds the sum of `amount_minor` (payments negative, refunds positive)
-- of the wallet's completed payments and refunds in that currency created in that UTC day;
-- `wallet::stats` reads whole days from here and the rest of a local month from the rows.
--
-- Kept by a trigger in the same transaction as the change to wallet_transactions, whichever module
-- (or test) writes it: insert adds, delete subtracts, an update subtracts the old row and adds the
-- new. A day can net to zero and stay; a missing day is zero. (TRUNCATE fires no row trigger:
-- truncate this table with it.)
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

CREATE FUNCTION wallet_spending_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND OLD.status = 'completed' AND OLD.kind IN ('payment', 'refund') THEN
        UPDATE wallet_spending_days SET amount_minor = amount_minor - OLD.amount_minor
            WHERE account_id = OLD.account_id AND currency = OLD.currency
              AND day_start = OLD.created_at - (OLD.created_at % 86400 + 86400) % 86400;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE')
       AND NEW.status = 'completed' AND NEW.kind IN ('payment', 'refund') THEN
        INSERT INTO wallet_spending_days (account_id, currency, day_start, amount_minor)
            VALUES (NEW.account_id, NEW.currency,
                    NEW.created_at - (NEW.created_at % 86400 + 86400) % 86400, NEW.amount_minor)
            ON CONFLICT (account_id, currency, day_start)
            DO UPDATE SET amount_minor = wallet_spending_days.amount_minor + EXCLUDED.amount_minor;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER wallet_spending_days
    AFTER INSERT OR DELETE
       OR UPDATE OF account_id, kind, status, amount_minor, currency, created_at
    ON wallet_transactions FOR EACH ROW EXECUTE FUNCTION wallet_spending_days_follow();
