-- +goose Up
-- availability_slots had two indexes on (coach_id, starts_at): the one its
-- UNIQUE (coach_id, starts_at) constraint makes, which every read by coach
-- and time uses, and availability_slots_coach_idx, the same columns again.
-- Every slot written (a weekly pattern writes hundreds) kept both.
DROP INDEX IF EXISTS availability_slots_coach_idx;

-- +goose Down
CREATE INDEX availability_slots_coach_idx ON availability_slots (coach_id, starts_at);
