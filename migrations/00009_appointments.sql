-- +goose Up

-- A coach's published availability: bookable slots, and blocked time.
-- Times are stored in UTC; they are shown in Europe/London.
CREATE TABLE availability_slots (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    coach_id   bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    mode       text NOT NULL CHECK (mode IN ('virtual','in_person','telephone')),
    place      text NOT NULL DEFAULT '' CHECK (length(place) <= 500), -- a room, or a video link
    blocked    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    UNIQUE (coach_id, starts_at)
);
CREATE INDEX availability_slots_coach_idx ON availability_slots (coach_id, starts_at);

-- Booked sessions. One slot holds one appointment at a time: the partial
-- unique index refuses a second live booking of a slot, whoever is faster.
CREATE TABLE appointments (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id         bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    slot_id             bigint NOT NULL REFERENCES availability_slots (id),
    coach_id            bigint NOT NULL REFERENCES staff_users (id),
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    mode                text NOT NULL,
    place               text NOT NULL DEFAULT '',
    status              text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked','cancelled','attended','not_attended')),
    booked_by           text NOT NULL CHECK (booked_by IN ('trainee','coordinator','coach')),
    booked_by_staff     bigint REFERENCES staff_users (id),
    cancelled_at        timestamptz,
    cancelled_by        text CHECK (cancelled_by IN ('trainee','coach','coordinator','lead')),
    cancel_reason       text,
    late                boolean NOT NULL DEFAULT false,
    waived_at           timestamptz,
    waive_reason        text,
    -- Calendar invitations: the same UID for every version, SEQUENCE rises.
    ical_sequence       integer NOT NULL DEFAULT 0,
    reminder_sent_at    timestamptz,
    meeting_confirmed_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX appointments_one_per_slot ON appointments (slot_id) WHERE status <> 'cancelled';
CREATE INDEX appointments_referral_idx ON appointments (referral_id, starts_at);
CREATE INDEX appointments_coach_idx ON appointments (coach_id, starts_at);
CREATE INDEX appointments_reminder_idx ON appointments (starts_at) WHERE status = 'booked' AND reminder_sent_at IS NULL;

-- The trainee's summary and action plan after a session, following the
-- unit's four stages, and their consent to share it with their Case Manager.
CREATE TABLE summaries (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appointment_id    bigint NOT NULL UNIQUE REFERENCES appointments (id) ON DELETE CASCADE,
    referral_id       bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    self_awareness    text NOT NULL DEFAULT '',
    options           text NOT NULL DEFAULT '',
    decision          text NOT NULL DEFAULT '',
    actions           jsonb NOT NULL DEFAULT '[]', -- [{"action": "...", "by": "YYYY-MM-DD"}]
    submitted_at      timestamptz,
    share             boolean NOT NULL DEFAULT false,
    share_changed_at  timestamptz,
    sent_at           timestamptz, -- sent to the Case Manager; consent can no longer be withdrawn
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX summaries_referral_idx ON summaries (referral_id);

-- +goose Down
DROP TABLE summaries;
DROP TABLE appointments;
DROP TABLE availability_slots;
