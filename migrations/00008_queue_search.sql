-- +goose Up

-- The coordinators' queue sorts by the response deadline, which runs from
-- submission for self-referrals and from the trainee's confirmation for the
-- other routes; a referral with no clock yet sorts last ('infinity'). The
-- expression must stay exactly as internal/store/queue.go writes it
-- (queueDeadlineKey), or the planner will not match the index.
--
-- Open referrals (the default view) by deadline, and by newest received:
-- partial indexes, so paging through the open few never walks past the
-- many closed ones.
CREATE INDEX referrals_queue_deadline_open_idx ON referrals
    ((coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id)
    WHERE status NOT IN ('closed', 'withdrawn');
CREATE INDEX referrals_queue_received_open_idx ON referrals (submitted_at DESC, id DESC)
    WHERE status NOT IN ('closed', 'withdrawn');
-- One status by deadline (one status by received uses referrals_queue_idx).
CREATE INDEX referrals_queue_deadline_status_idx ON referrals
    (status, (coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id);
-- Any status by deadline (any status by received uses referrals_queue_received_idx).
CREATE INDEX referrals_queue_deadline_idx ON referrals
    ((coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id);

-- +goose Down
DROP INDEX referrals_queue_deadline_idx;
DROP INDEX referrals_queue_deadline_status_idx;
DROP INDEX referrals_queue_received_open_idx;
DROP INDEX referrals_queue_deadline_open_idx;
