-- +goose Up

-- The queue's search finds any part of a name, a reference, an email
-- address or a registration number (issue 14). pg_trgm is a trusted
-- extension: the schema's owner (the role that migrates) may create it
-- without being a superuser, provided it owns the database or has CREATE
-- on it (docs/operations.md). Its functions and operators are executable
-- by everyone, so the service's role can use the index below.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One lower-case text holding everything the search box looks in, kept by
-- the database itself: the name, the reference with and without its
-- hyphens, both email addresses and the registration number. The queue
-- searches it with LIKE '%term%' (internal/store/queue.go), which the
-- trigram index answers; ' | ' keeps a term from matching across fields.
ALTER TABLE referrals ADD COLUMN search_text text GENERATED ALWAYS AS (lower(
    trainee_name || ' | ' || reference || ' | ' || replace(reference, '-', '') || ' | ' || trainee_email
    || ' | ' || coalesce(referrer_email, '') || ' | ' || registration_number)) STORED;
CREATE INDEX referrals_search_trgm_idx ON referrals USING gin (search_text gin_trgm_ops);

-- The queue's lists (store.QueueNeeds and its neighbours), by deadline:
-- the expression must stay exactly as queueDeadlineKey writes it. The
-- newest-first sort of a list reads referrals_queue_received_open_idx.
CREATE INDEX referrals_queue_needs_idx ON referrals
    ((coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id)
    WHERE status IN ('new', 'accepted');
CREATE INDEX referrals_queue_waiting_idx ON referrals
    ((coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id)
    WHERE status IN ('awaiting_trainee', 'info_requested');
CREATE INDEX referrals_queue_underway_idx ON referrals
    ((coalesce(CASE WHEN route = 'self' THEN submitted_at ELSE confirmed_at END, 'infinity')), id)
    WHERE status IN ('allocated', 'active');

-- The coordinator's home: lost sessions (a late cancellation or a missed
-- session) not given back, and sessions held but not yet confirmed by
-- their coach. Both are few at any time, whatever the years of history.
CREATE INDEX appointments_unwaived_idx ON appointments (starts_at, referral_id)
    WHERE waived_at IS NULL AND (late OR status = 'not_attended');
CREATE INDEX appointments_unconfirmed_idx ON appointments (ends_at, referral_id)
    WHERE status = 'attended' AND meeting_confirmed_at IS NULL;
-- The PSU lead's home: funding requests (Form D) waiting for a decision.
CREATE INDEX referrals_funding_pending_idx ON referrals (submitted_at, id) WHERE form_d_status = 'requested';
-- Questions the trainee has not answered yet, by when they were asked.
CREATE INDEX info_requests_open_idx ON info_requests (asked_at, referral_id) WHERE answered_at IS NULL;

-- +goose Down
DROP INDEX referrals_funding_pending_idx;
DROP INDEX info_requests_open_idx;
DROP INDEX appointments_unconfirmed_idx;
DROP INDEX appointments_unwaived_idx;
DROP INDEX referrals_queue_underway_idx;
DROP INDEX referrals_queue_waiting_idx;
DROP INDEX referrals_queue_needs_idx;
DROP INDEX referrals_search_trgm_idx;
ALTER TABLE referrals DROP COLUMN search_text;
-- The extension stays: another database object may use it, and it is
-- harmless unused.
