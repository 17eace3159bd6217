-- +goose Up

-- Optimistic concurrency: every change to a referral bumps its version, and
-- a decision names the version it was made on, so a second coordinator
-- acting on a stale page is told instead of overwriting.
ALTER TABLE referrals
    ADD COLUMN version        integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_by     bigint REFERENCES staff_users (id),
    ADD COLUMN outcome        text,
    ADD COLUMN closing_note   text,
    -- The coordinator's eligibility decision when it overrides the check.
    ADD COLUMN eligibility_override text CHECK (eligibility_override IN ('eligible','not_eligible','needs_review')),
    ADD COLUMN eligibility_override_reason text;

-- The allowance ledger: every grant, extension, booking, attendance,
-- forfeit and waiver is an event; the numbers are derived, never typed in.
CREATE TABLE allowance_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL CHECK (kind IN ('granted','extended','booked','released','attended','forfeited','waived')),
    sessions    integer NOT NULL CHECK (sessions > 0),
    actor_id    bigint REFERENCES staff_users (id),
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX allowance_events_referral_idx ON allowance_events (referral_id, id);

-- Sessions granted and used, kept by the trigger below in the same
-- statement as each event: the CHECK makes the database refuse any event
-- that would use more sessions than were granted, even with two people
-- acting at once (the row update serialises them).
ALTER TABLE referrals
    ADD COLUMN sessions_granted integer NOT NULL DEFAULT 0,
    ADD COLUMN sessions_used    integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT referrals_sessions_within_allowance CHECK (sessions_used <= sessions_granted AND sessions_used >= 0);

-- +goose StatementBegin
CREATE FUNCTION allowance_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Granted and extended raise the allowance; booked and forfeited use a
    -- session; released (a cancellation in time) and waived give one back.
    UPDATE referrals SET
        sessions_granted = sessions_granted + CASE WHEN NEW.kind IN ('granted','extended') THEN NEW.sessions ELSE 0 END,
        sessions_used = sessions_used
            + CASE WHEN NEW.kind IN ('booked','forfeited') THEN NEW.sessions ELSE 0 END
            - CASE WHEN NEW.kind IN ('released','waived') THEN NEW.sessions ELSE 0 END
    WHERE id = NEW.referral_id;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER allowance_events_apply AFTER INSERT ON allowance_events
    FOR EACH ROW EXECUTE FUNCTION allowance_apply();
-- +goose StatementBegin
CREATE FUNCTION allowance_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'allowance events are a ledger: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER allowance_events_no_change BEFORE UPDATE ON allowance_events
    FOR EACH ROW EXECUTE FUNCTION allowance_events_immutable();

-- Requests for more sessions, and their decision by a PSU lead.
CREATE TABLE extension_requests (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id   bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    sessions      integer NOT NULL CHECK (sessions BETWEEN 1 AND 6),
    justification text NOT NULL CHECK (length(justification) BETWEEN 1 AND 2000),
    requested_by  bigint NOT NULL REFERENCES staff_users (id),
    requested_at  timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','declined')),
    decided_by    bigint REFERENCES staff_users (id),
    decided_at    timestamptz,
    decision_note text
);
CREATE INDEX extension_requests_pending_idx ON extension_requests (requested_at) WHERE status = 'pending';
CREATE UNIQUE INDEX extension_requests_one_pending ON extension_requests (referral_id) WHERE status = 'pending';

-- Internal notes on a referral (staff only, never shown to the trainee).
CREATE TABLE referral_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    author_id   bigint NOT NULL REFERENCES staff_users (id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000)
);
CREATE INDEX referral_notes_referral_idx ON referral_notes (referral_id, at);

-- Information requested from the trainee, and their answer.
CREATE TABLE info_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id  bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    question     text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    asked_by     bigint NOT NULL REFERENCES staff_users (id),
    asked_at     timestamptz NOT NULL,
    answer       text,
    answered_at  timestamptz
);
CREATE INDEX info_requests_referral_idx ON info_requests (referral_id, asked_at);

-- The coordinators' queue: the response deadline starts at submission, or
-- at the trainee's confirmation for third-party routes.
CREATE INDEX referrals_queue_idx ON referrals (status, submitted_at, id);
CREATE INDEX referrals_queue_received_idx ON referrals (submitted_at DESC, id DESC);
CREATE INDEX referrals_name_idx ON referrals (lower(trainee_name) text_pattern_ops);

-- +goose Down
DROP INDEX referrals_name_idx;
DROP INDEX referrals_queue_received_idx;
DROP INDEX referrals_queue_idx;
DROP TABLE info_requests;
DROP TABLE referral_notes;
DROP TABLE extension_requests;
DROP TRIGGER allowance_events_no_change ON allowance_events;
DROP FUNCTION allowance_events_immutable();
DROP TABLE allowance_events;
DROP FUNCTION allowance_apply();
ALTER TABLE referrals DROP CONSTRAINT referrals_sessions_within_allowance,
    DROP COLUMN sessions_granted, DROP COLUMN sessions_used,
    DROP COLUMN version, DROP COLUMN updated_by, DROP COLUMN outcome, DROP COLUMN closing_note,
    DROP COLUMN eligibility_override, DROP COLUMN eligibility_override_reason;
