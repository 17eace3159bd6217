-- +goose Up
-- Joining details (issue 15): a coach's default video link and telephone
-- number, and an override of either for one appointment (NULL: the coach's
-- default). Links are checked in Go (internal/booking.CheckVideoLink); the
-- database keeps the plain limits so nothing else can store a javascript:
-- or plain-http link.
ALTER TABLE coach_profiles
    ADD COLUMN video_link text NOT NULL DEFAULT ''
        CHECK (video_link = '' OR (video_link LIKE 'https://%' AND length(video_link) <= 500)),
    ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (length(phone) <= 30);

ALTER TABLE appointments
    ADD COLUMN video_link text
        CHECK (video_link IS NULL OR video_link = '' OR (video_link LIKE 'https://%' AND length(video_link) <= 500)),
    ADD COLUMN phone text CHECK (length(phone) <= 30),
    -- The coach was emailed (the morning after) to record attendance.
    ADD COLUMN attendance_asked_at timestamptz;

-- Reminders before a session: one row per appointment, offset and start
-- time, so each is sent once, and a session moved to a new time gets its
-- reminders for the new time.
CREATE TABLE appointment_reminders (
    appointment_id bigint NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    offset_minutes integer NOT NULL CHECK (offset_minutes > 0),
    starts_at      timestamptz NOT NULL,
    sent_at        timestamptz NOT NULL,
    PRIMARY KEY (appointment_id, offset_minutes, starts_at)
);

-- Booked sessions by start: the reminder job (upcoming) and the attendance
-- job (past, not yet recorded) read these.
CREATE INDEX appointments_booked_start_idx ON appointments (starts_at) WHERE status = 'booked';

-- The old one-reminder index gives way to it.
DROP INDEX appointments_reminder_idx;

-- +goose Down
CREATE INDEX appointments_reminder_idx ON appointments (starts_at) WHERE status = 'booked' AND reminder_sent_at IS NULL;
DROP INDEX appointments_booked_start_idx;
DROP TABLE appointment_reminders;
ALTER TABLE appointments DROP COLUMN attendance_asked_at, DROP COLUMN phone, DROP COLUMN video_link;
ALTER TABLE coach_profiles DROP COLUMN phone, DROP COLUMN video_link;
