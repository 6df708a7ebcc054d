-- What each refund (posted, or waiting for a second agent) pays back of which history row, so that
-- the refunds of one row, over every dispute and fraud report naming it, never add up to more
-- than the row: a refund's transaction sums these under the customer's wallet lock before it
-- adds its own (support/actions.rs).
CREATE TABLE refund_allocations (
    refund_id TEXT NOT NULL REFERENCES case_refunds(id),
    transaction_id TEXT NOT NULL REFERENCES wallet_transactions(id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (refund_id, transaction_id)
);
CREATE INDEX refund_allocations_transaction ON refund_allocations(transaction_id);

-- What one agent refunded on their own in the four-eyes window.
CREATE INDEX case_refunds_requested ON case_refunds(requested_by, posted_at);

-- Refunds made before this table: a dispute's refund is for its row.
INSERT INTO refund_allocations (refund_id, transaction_id, amount_minor)
SELECT r.id, d.transaction_id, r.amount_minor
FROM case_refunds r JOIN disputes d ON d.id = r.case_id;

-- A report's refund: over its rows oldest first, each up to its amount, as refunds are split now.
INSERT INTO refund_allocations (refund_id, transaction_id, amount_minor)
SELECT refund_id, transaction_id,
       CASE WHEN refund_minor - before_minor >= row_minor THEN row_minor
            ELSE refund_minor - before_minor END
FROM (
    SELECT r.id AS refund_id, t.id AS transaction_id, r.amount_minor AS refund_minor,
           ABS(t.amount_minor) AS row_minor,
           CAST(SUM(ABS(t.amount_minor)) OVER (PARTITION BY r.id ORDER BY t.created_at, t.id)
                AS BIGINT) - ABS(t.amount_minor) AS before_minor
    FROM case_refunds r
    JOIN fraud_report_transactions rt ON rt.report_id = r.case_id
    JOIN wallet_transactions t ON t.id = rt.transaction_id
) shares
WHERE refund_minor > before_minor;
