-- The queue with every status (status=any), measured at a million cases: without these, a page
-- sorted every row the other filters left (an agent's cases, or all of them) before taking 50.
CREATE INDEX cases_created ON cases(created_at, id);
CREATE INDEX cases_amount_any ON cases(amount_minor, id);
CREATE INDEX cases_assignee_created ON cases(assignee_id, created_at, id);
