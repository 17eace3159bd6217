-- +goose Up
-- Workshops after the event (issue 16): the feedback email goes once to
-- each attendee, and registrations are destroyed when the event's own
-- retention period ends (WORKSHOP_RETENTION_MONTHS after its end), the
-- event itself kept (it holds nothing about a person) and recorded in the
-- destruction register as "workshop-<id>".

-- When the email asking an attendee for feedback was queued: once each.
ALTER TABLE workshop_registrations ADD COLUMN feedback_asked_at timestamptz;
-- The feedback job's scan: attendees not asked yet.
CREATE INDEX workshop_registrations_feedback_ask_idx ON workshop_registrations (workshop_id)
    WHERE attendance = 'attended' AND feedback_asked_at IS NULL;

-- When the event's registrations (names, emails, attendance, feedback,
-- links) were destroyed by the retention job; the reports then count the
-- event with no registrations.
ALTER TABLE workshops ADD COLUMN registrations_destroyed_at timestamptz;
-- The retention job's scan: events whose registrations are still kept.
CREATE INDEX workshops_retention_idx ON workshops (ends_at) WHERE registrations_destroyed_at IS NULL;

-- +goose Down
DROP INDEX workshops_retention_idx;
ALTER TABLE workshops DROP COLUMN registrations_destroyed_at;
DROP INDEX workshop_registrations_feedback_ask_idx;
ALTER TABLE workshop_registrations DROP COLUMN feedback_asked_at;
