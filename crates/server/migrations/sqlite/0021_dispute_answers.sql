-- A dispute's timeline holds the customer's answers to support's questions too: each step says
-- what it was, `submitted` (the first), `status_changed` (support) or `evidence_added` (the
-- customer answering, with a note, screenshots or both).
ALTER TABLE dispute_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'status_changed';
UPDATE dispute_events SET kind = 'submitted' WHERE seq = 1;

-- The step of its dispute's timeline that attached a screenshot (`dispute_events.seq`).
ALTER TABLE uploads ADD COLUMN dispute_seq BIGINT;
UPDATE uploads SET dispute_seq = 1 WHERE dispute_id IS NOT NULL;
