-- +goose Up
-- Requests for an emailed link (a sign-in link, a password reset, a new link
-- to confirm a referral). The public forms only record the request and queue
-- a job, whatever the address, so their answer takes the same time for an
-- address the service knows and one it does not; the job then decides
-- whether to send anything, and deletes the row. The address is kept here,
-- not in River's job table, so finished jobs hold no personal data.
CREATE TABLE link_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose text NOT NULL CHECK (purpose IN ('sign_in', 'reset_password', 'confirm_referral')),
    email text NOT NULL,
    requested_at timestamptz NOT NULL,
    client_ip inet,
    request_id text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE link_requests;
