-- +goose Up
-- The signed-in staff member beside each session, so one statement reads a
-- session and the account it belongs to (internal/store/sessions.go).
ALTER TABLE sessions ADD COLUMN staff_id bigint;

-- +goose Down
ALTER TABLE sessions DROP COLUMN staff_id;
