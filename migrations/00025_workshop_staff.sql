-- +goose Up
-- Workshops, the staff side (issue 16). The create form and the "email
-- everyone with a place" form each carry a one-time key, so a double submit
-- (a double click, a resent POST) makes one event or sends one message.
ALTER TABLE workshops ADD COLUMN submission_key text UNIQUE
    CHECK (submission_key IS NULL OR length(submission_key) BETWEEN 16 AND 64);
ALTER TABLE workshop_history ADD COLUMN submission_key text UNIQUE
    CHECK (submission_key IS NULL OR length(submission_key) BETWEEN 16 AND 64);

-- +goose Down
ALTER TABLE workshop_history DROP COLUMN submission_key;
ALTER TABLE workshops DROP COLUMN submission_key;
