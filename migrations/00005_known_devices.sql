-- +goose Up
-- Browsers a staff member has signed in from before. The account-wide
-- sign-in throttle does not apply to them, so nobody can lock a person out
-- by failing sign-ins to their account from elsewhere.
CREATE TABLE known_devices (
    device_hash  bytea NOT NULL,
    user_id      bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    PRIMARY KEY (device_hash, user_id)
);
CREATE INDEX known_devices_user_idx ON known_devices (user_id);

-- +goose Down
DROP TABLE known_devices;
