-- +goose Up
-- Rearranging in one step: the new time is a new appointment row (the old
-- one is cancelled under the 24-hour rule, so a late change keeps its own
-- record to waive), but both are one event in people's calendars. invite_of
-- is the appointment whose calendar UID the invitation keeps (the first of
-- the chain; NULL means the row's own), and the new row's ical_sequence is
-- the old one's plus one, so calendars update the event in place.
-- rearranged_to links the old time to the new one; the unique index lets a
-- time be rearranged into at most one other.
ALTER TABLE appointments
    ADD COLUMN invite_of bigint REFERENCES appointments (id) ON DELETE SET NULL,
    ADD COLUMN rearranged_to bigint REFERENCES appointments (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX appointments_rearranged_to ON appointments (rearranged_to) WHERE rearranged_to IS NOT NULL;

-- +goose Down
DROP INDEX appointments_rearranged_to;
ALTER TABLE appointments DROP COLUMN rearranged_to, DROP COLUMN invite_of;
