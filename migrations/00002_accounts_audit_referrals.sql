-- +goose Up

-- Staff accounts. Email is unique without regard to case. Roles are a set;
-- bumping session_epoch ends every session of the person at once (it is
-- compared on every request), which is how deactivation and password
-- changes sign people out everywhere.
CREATE TABLE staff_users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    roles               text[] NOT NULL DEFAULT '{}'
                        CHECK (roles <@ ARRAY['coordinator','coach','psu_lead','case_manager','admin']::text[]),
    active              boolean NOT NULL DEFAULT true,
    password_hash       text,
    password_changed_at timestamptz,
    totp_secret         text,
    totp_enrolled_at    timestamptz,
    -- The last TOTP time step accepted, so a code cannot be used twice.
    totp_last_step      bigint NOT NULL DEFAULT 0,
    session_epoch       integer NOT NULL DEFAULT 0,
    -- Demo users (made by `careers seed`) may skip the second factor in
    -- development only.
    demo                boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deactivated_at      timestamptz
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (email);
CREATE INDEX staff_users_roles_idx ON staff_users USING gin (roles);

CREATE TABLE coach_profiles (
    user_id     bigint PRIMARY KEY REFERENCES staff_users (id) ON DELETE CASCADE,
    background  text NOT NULL DEFAULT '' CHECK (length(background) <= 2000),
    specialisms text[] NOT NULL DEFAULT '{}',
    modes       text[] NOT NULL DEFAULT '{virtual}'
                CHECK (modes <@ ARRAY['virtual','in_person','telephone']::text[] AND cardinality(modes) > 0),
    capacity    integer NOT NULL DEFAULT 10 CHECK (capacity BETWEEN 0 AND 200)
);

-- Single-use recovery codes for the second factor, stored as SHA-256.
CREATE TABLE recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- One-time links: set a password (invitation), reset a password, or sign in
-- by email (trainees and referrers). Only the SHA-256 of the token is kept.
CREATE TABLE auth_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose    text NOT NULL CHECK (purpose IN ('set_password','reset_password','sign_in')),
    token_hash bytea NOT NULL UNIQUE,
    user_id    bigint REFERENCES staff_users (id) ON DELETE CASCADE,
    email      text CHECK (email = lower(email)),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((purpose = 'sign_in') = (email IS NOT NULL AND user_id IS NULL))
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX auth_tokens_email_idx ON auth_tokens (email, created_at) WHERE email IS NOT NULL;

-- Failed-attempt counters for throttling, keyed by account or client address
-- (keys are hashes, never raw addresses). Delays grow with failures and
-- always run out, so nobody can lock a real user out for good.
CREATE TABLE auth_throttle (
    key             text PRIMARY KEY,
    failures        integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz
);

-- The core of a referral: who it is for and who may see it. Intake adds the
-- details; triage, allocation and appointments add their own tables.
CREATE TABLE referrals (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference         text NOT NULL UNIQUE,
    route             text NOT NULL CHECK (route IN ('self','supervisor','case_manager')),
    status            text NOT NULL CHECK (status IN ('awaiting_trainee','new','info_requested','accepted',
                                                      'allocated','active','closed','withdrawn')),
    trainee_name      text NOT NULL,
    trainee_email     text NOT NULL CHECK (trainee_email = lower(trainee_email)),
    referrer_name     text,
    referrer_email    text CHECK (referrer_email = lower(referrer_email)),
    case_manager_id   bigint REFERENCES staff_users (id),
    coach_id          bigint REFERENCES staff_users (id),
    submitted_at      timestamptz NOT NULL DEFAULT now(),
    -- When the trainee confirmed a third-party referral; the 14-day response
    -- clock runs from here for those routes.
    confirmed_at      timestamptz,
    -- The first triage decision or request; it stops the response clock.
    first_response_at timestamptz,
    closed_at         timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_trainee_email_idx ON referrals (trainee_email);
CREATE INDEX referrals_referrer_email_idx ON referrals (referrer_email) WHERE referrer_email IS NOT NULL;
CREATE INDEX referrals_coach_idx ON referrals (coach_id) WHERE coach_id IS NOT NULL;
CREATE INDEX referrals_case_manager_idx ON referrals (case_manager_id) WHERE case_manager_id IS NOT NULL;

-- The audit log is append-only: the database itself refuses to change or
-- remove a row, whoever asks.
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_kind   text NOT NULL CHECK (actor_kind IN ('staff','public','system','anonymous')),
    actor_id     bigint,          -- staff_users.id for staff
    actor_email  text,            -- the signed-in address for public people; the claimed one for failed sign-ins
    action       text NOT NULL,   -- e.g. sign_in, sign_in_failed, view, create, update, deny
    record_type  text NOT NULL DEFAULT '',
    record_id    text NOT NULL DEFAULT '',
    client_ip    inet,
    request_id   text NOT NULL DEFAULT '',
    outcome      text NOT NULL CHECK (outcome IN ('success','failure','denied')),
    detail       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_actor_email_idx ON audit_log (actor_email, at DESC, id DESC) WHERE actor_email IS NOT NULL;
CREATE INDEX audit_log_record_idx ON audit_log (record_type, record_id, at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE referrals;
DROP TABLE auth_throttle;
DROP TABLE auth_tokens;
DROP TABLE recovery_codes;
DROP TABLE coach_profiles;
DROP TABLE staff_users;
