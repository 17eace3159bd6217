-- +goose Up
-- appointments.reminder_sent_at kept the one reminder of the first
-- booking design. Reminders have been rows of appointment_reminders since
-- migration 00021 (each offset and start time once), and nothing read or
-- wrote the column any more.
ALTER TABLE appointments DROP COLUMN IF EXISTS reminder_sent_at;

-- +goose Down
ALTER TABLE appointments ADD COLUMN reminder_sent_at timestamptz;
