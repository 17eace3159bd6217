-- +goose Up
-- Workshops and webinars (issue 16): group sessions with a number of
-- places, a waiting list, attendance and feedback, for the same trainees
-- under the same eligibility and privacy rules as a referral.

CREATE TABLE workshops (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The public address: /workshops/{slug}. Made from the title and date,
    -- never from a person.
    slug                   text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title                  text NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    description            text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    -- Who it is for, in words ("Doctors and dentists in training, any grade").
    audience               text NOT NULL DEFAULT '' CHECK (length(audience) <= 300),
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    mode                   text NOT NULL CHECK (mode IN ('online', 'in_person')),
    -- Online: the joining link, given only to people with a place (checked
    -- like a coach's video link: https only). In person: the venue.
    joining_link           text NOT NULL DEFAULT '' CHECK (length(joining_link) <= 500),
    venue                  text NOT NULL DEFAULT '' CHECK (length(venue) <= 500),
    capacity               integer NOT NULL CHECK (capacity BETWEEN 1 AND 2000),
    -- Places held, kept by the trigger below from the registrations; the
    -- CHECK is what makes overselling impossible whatever the code does.
    places_taken           integer NOT NULL DEFAULT 0,
    -- Who runs it, in words (a coach, a guest speaker).
    presenters             text NOT NULL DEFAULT '' CHECK (length(presenters) <= 300),
    registration_opens_at  timestamptz,
    registration_closes_at timestamptz,
    -- A short code shown in the session for self check-in.
    check_in_code          text NOT NULL CHECK (check_in_code ~ '^[A-Z0-9]{4,12}$'),
    status                 text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancelled_at           timestamptz,
    cancel_reason          text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 1000),
    -- The iCalendar SEQUENCE of the event's invitations: raised on every
    -- change of time, place or status, so calendars update the one event.
    ics_sequence           integer NOT NULL DEFAULT 0,
    copied_from            bigint REFERENCES workshops (id) ON DELETE SET NULL,
    created_by             bigint REFERENCES staff_users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (places_taken BETWEEN 0 AND capacity),
    CHECK (registration_closes_at IS NULL OR registration_opens_at IS NULL OR registration_closes_at > registration_opens_at),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
-- The public list: what is coming, soonest first.
CREATE INDEX workshops_starts_idx ON workshops (starts_at, id);

-- One row per person per event (by email address). Statuses:
--   unconfirmed  registered, email not confirmed yet: holds nothing
--   placed       has a place (counted in places_taken)
--   waiting      on the waiting list, in order of confirmed_at, id
--   offered      offered a freed place until offer_expires_at (the place is
--                held for them: counted in places_taken)
--   cancelled    gave up their place or left the waiting list
--   declined     said no to an offer
--   lapsed       let an offer run out
--   removed      taken off by staff
CREATE TABLE workshop_registrations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id        bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email              text NOT NULL CHECK (email = lower(email) AND length(email) <= 320),
    professional_group text NOT NULL,
    region             text NOT NULL,
    grade              text NOT NULL,
    status             text NOT NULL DEFAULT 'unconfirmed'
                       CHECK (status IN ('unconfirmed', 'placed', 'waiting', 'offered', 'cancelled', 'declined', 'lapsed', 'removed')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- When the email was confirmed: the waiting list's order.
    confirmed_at       timestamptz,
    placed_at          timestamptz,
    offered_at         timestamptz,
    offer_expires_at   timestamptz,
    ended_at           timestamptz, -- cancelled, declined, lapsed or removed
    -- The email confirmation link: a one-time token, only its SHA-256
    -- kept. Links to the registrant's place are in workshop_place_links.
    confirm_token_hash bytea UNIQUE,
    confirm_expires_at timestamptz,
    -- Attendance: by staff on the register, or the attendee's own check-in.
    attendance         text CHECK (attendance IN ('attended', 'absent')),
    attendance_by      text CHECK (attendance_by IN ('staff', 'self')),
    attendance_at      timestamptz,
    -- Reminders sent (2 days and 2 hours before), each once.
    reminded           text[] NOT NULL DEFAULT '{}',
    -- The eligibility check on the answers given (the same rules as a
    -- referral, internal/eligibility): not_eligible registrations are not
    -- taken, so this is eligible or needs_review (a coordinator looks).
    -- The other answers the rules read are kept with their reasons.
    eligibility         text NOT NULL DEFAULT 'needs_review'
                        CHECK (eligibility IN ('eligible', 'not_eligible', 'needs_review')),
    eligibility_reasons jsonb NOT NULL DEFAULT '[]',
    answers             jsonb NOT NULL DEFAULT '{}',
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workshop_id, email),
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL)),
    CHECK (status = 'unconfirmed' OR confirmed_at IS NOT NULL),
    CHECK (attendance IS NULL OR status = 'placed')
);
CREATE INDEX workshop_registrations_list_idx ON workshop_registrations (workshop_id, status, confirmed_at, id);
CREATE INDEX workshop_registrations_email_idx ON workshop_registrations (email);
CREATE INDEX workshop_registrations_offers_idx ON workshop_registrations (offer_expires_at) WHERE status = 'offered';

-- The registrant's own links (their place: cancel, accept or decline an
-- offer, check in, feedback, certificate), one per email that carries one,
-- so any email can link there without a stored secret: only the token's
-- SHA-256 is kept, and each stops working at expires_at.
CREATE TABLE workshop_place_links (
    token_hash      bytea PRIMARY KEY,
    registration_id bigint NOT NULL REFERENCES workshop_registrations (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX workshop_place_links_registration_idx ON workshop_place_links (registration_id);
CREATE INDEX workshop_place_links_expires_idx ON workshop_place_links (expires_at);

-- places_taken follows the registrations: a row holds a place while it is
-- placed or offered. The CHECK on workshops refuses the change that would
-- go past capacity, so two confirmations racing for the last place cannot
-- both win (the UPDATE also locks the workshop row, serialising them).
-- +goose StatementBegin
CREATE FUNCTION workshop_places_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_held boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('placed', 'offered');
    now_held boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('placed', 'offered');
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.workshop_id <> NEW.workshop_id THEN
        RAISE EXCEPTION 'a registration cannot move to another workshop';
    END IF;
    IF now_held AND NOT was_held THEN
        UPDATE workshops SET places_taken = places_taken + 1 WHERE id = NEW.workshop_id;
    ELSIF was_held AND NOT now_held THEN
        UPDATE workshops SET places_taken = places_taken - 1 WHERE id = OLD.workshop_id;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER workshop_places_follow AFTER INSERT OR UPDATE OF status OR DELETE ON workshop_registrations
    FOR EACH ROW EXECUTE FUNCTION workshop_places_follow();

-- Feedback after the event: the Friends and Family Test question and one
-- free-text answer, once per attendee.
CREATE TABLE workshop_feedback (
    registration_id bigint PRIMARY KEY REFERENCES workshop_registrations (id) ON DELETE CASCADE,
    workshop_id     bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    answered_at     timestamptz NOT NULL DEFAULT now(),
    fft             text NOT NULL CHECK (fft IN ('very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know')),
    comment         text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000)
);
CREATE INDEX workshop_feedback_at_idx ON workshop_feedback (answered_at);

-- The event's history: what staff changed and every message sent to the
-- people registered (the message itself goes through the email queue).
CREATE TABLE workshop_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id bigint NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES staff_users (id),
    action      text NOT NULL,   -- created, changed, cancelled, copied, messaged, moved, attendance ...
    detail      text NOT NULL DEFAULT '' CHECK (length(detail) <= 10000),
    recipients  integer NOT NULL DEFAULT 0
);
CREATE INDEX workshop_history_idx ON workshop_history (workshop_id, at DESC, id DESC);

-- +goose Down
DROP TABLE workshop_history;
DROP TABLE workshop_feedback;
DROP TABLE workshop_place_links;
DROP TRIGGER workshop_places_follow ON workshop_registrations;
DROP TABLE workshop_registrations;
DROP FUNCTION workshop_places_follow();
DROP TABLE workshops;
