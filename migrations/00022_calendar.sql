-- +goose Up

-- A coach's weekly pattern, kept as one thing: the slots it made point back
-- to it, so the coach can see it, change it from a date onward, end it, or
-- remove its free times in one go. Slots added one at a time have no pattern.
CREATE TABLE availability_patterns (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coach_id       bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    starts_on      date NOT NULL,
    ends_on        date NOT NULL,
    weekdays       smallint[] NOT NULL,        -- 0 Sunday to 6 Saturday
    start_time     text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'), -- Europe/London
    length_minutes integer NOT NULL CHECK (length_minutes BETWEEN 15 AND 180),
    per_day        integer NOT NULL CHECK (per_day BETWEEN 1 AND 96),
    mode           text NOT NULL CHECK (mode IN ('virtual','in_person','telephone')),
    place          text NOT NULL DEFAULT '' CHECK (length(place) <= 500),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX availability_patterns_coach_idx ON availability_patterns (coach_id, ends_on);

ALTER TABLE availability_slots ADD COLUMN pattern_id bigint REFERENCES availability_patterns (id) ON DELETE SET NULL;
CREATE INDEX availability_slots_pattern_idx ON availability_slots (pattern_id, starts_at) WHERE pattern_id IS NOT NULL;

-- Time off: a period the coach is not available (leave, training). Free
-- times inside it are removed when it is added, new times are never made
-- inside it, and a slot inside it is never offered for booking.
CREATE TABLE coach_time_off (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coach_id   bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    note       text NOT NULL DEFAULT '' CHECK (length(note) <= 200), -- the coach's own word, such as "Leave"
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    UNIQUE (coach_id, starts_at, ends_at) -- a form sent twice adds it once
);
CREATE INDEX coach_time_off_coach_idx ON coach_time_off (coach_id, ends_at, starts_at);

-- A coach's calendar subscription (iCalendar feed). Only an HMAC of the
-- secret token in the feed's address is kept; making a new one replaces
-- the row, so the old address stops working.
CREATE TABLE calendar_feeds (
    coach_id   bigint PRIMARY KEY REFERENCES staff_users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE calendar_feeds;
DROP TABLE coach_time_off;
DROP INDEX availability_slots_pattern_idx;
ALTER TABLE availability_slots DROP COLUMN pattern_id;
DROP TABLE availability_patterns;
