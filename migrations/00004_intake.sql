-- +goose Up

-- What a referral says. Columns for what the queue filters and searches by;
-- the rest of the answers as JSON, written and read through one typed Go
-- struct (internal/intake).
ALTER TABLE referrals
    ADD COLUMN professional_group  text NOT NULL DEFAULT '',
    ADD COLUMN region              text NOT NULL DEFAULT '',
    ADD COLUMN registration_body   text NOT NULL DEFAULT '',
    ADD COLUMN registration_number text NOT NULL DEFAULT '',
    ADD COLUMN answers             jsonb NOT NULL DEFAULT '{}',
    -- The automatic eligibility check at submission (and at the trainee's
    -- confirmation): eligible, not_eligible or needs_review, with reasons.
    ADD COLUMN eligibility         text NOT NULL DEFAULT 'needs_review'
        CHECK (eligibility IN ('eligible','not_eligible','needs_review')),
    ADD COLUMN eligibility_reasons jsonb NOT NULL DEFAULT '[]',
    -- Form D (Case Manager route): the funding request.
    ADD COLUMN form_d_sessions     integer CHECK (form_d_sessions BETWEEN 1 AND 3),
    ADD COLUMN form_d_reference    text,
    ADD COLUMN form_d_status       text CHECK (form_d_status IN ('requested','approved','declined'));
CREATE INDEX referrals_registration_idx ON referrals (registration_number) WHERE registration_number <> '';

-- Forms in progress. The draft's token is the only key: it lives in the
-- session and in a hidden field of each page (never in a URL), so a
-- session that times out mid-form loses nothing that was posted.
CREATE TABLE referral_drafts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE,
    route        text NOT NULL CHECK (route IN ('self','supervisor','case_manager')),
    staff_id     bigint REFERENCES staff_users (id) ON DELETE CASCADE, -- the Case Manager, for that route
    answers      jsonb NOT NULL DEFAULT '{}',
    -- Set in the transaction that submits: a second submit finds it and
    -- shows the same confirmation instead of making another referral.
    referral_id  bigint REFERENCES referrals (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_drafts_updated_idx ON referral_drafts (updated_at);

-- Uploaded documents (Form C), kept in the database with their size and
-- SHA-256. A document belongs to a draft while the form is being filled
-- in, then to the referral.
CREATE TABLE documents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('form_c')),
    draft_id     bigint REFERENCES referral_drafts (id) ON DELETE CASCADE,
    referral_id  bigint REFERENCES referrals (id) ON DELETE CASCADE,
    filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type text NOT NULL,
    size         integer NOT NULL CHECK (size > 0 AND size <= 10485760),
    sha256       bytea NOT NULL CHECK (length(sha256) = 32),
    content      bytea NOT NULL,
    uploaded_by  bigint REFERENCES staff_users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (draft_id IS NOT NULL OR referral_id IS NOT NULL)
);
CREATE INDEX documents_referral_idx ON documents (referral_id) WHERE referral_id IS NOT NULL;
CREATE INDEX documents_draft_idx ON documents (draft_id) WHERE draft_id IS NOT NULL;

-- The trainee's confirmation of a third-party referral: a one-time link,
-- longer-lived than a sign-in link (they may read the email days later).
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_purpose_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_purpose_check
    CHECK (purpose IN ('set_password','reset_password','sign_in','confirm_referral'));
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_check;
ALTER TABLE auth_tokens ADD COLUMN referral_id bigint REFERENCES referrals (id) ON DELETE CASCADE;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_owner_check CHECK (
    (purpose IN ('set_password','reset_password') AND user_id IS NOT NULL AND email IS NULL AND referral_id IS NULL)
    OR (purpose = 'sign_in' AND email IS NOT NULL AND user_id IS NULL AND referral_id IS NULL)
    OR (purpose = 'confirm_referral' AND referral_id IS NOT NULL AND email IS NOT NULL AND user_id IS NULL));

-- The referral's timeline: every event, in order.
CREATE TABLE referral_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('staff','public','system')),
    actor_id    bigint REFERENCES staff_users (id),
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, at, id);

-- +goose Down
DROP TABLE referral_events;
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_owner_check;
DELETE FROM auth_tokens WHERE purpose = 'confirm_referral';
ALTER TABLE auth_tokens DROP COLUMN referral_id;
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_purpose_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_purpose_check
    CHECK (purpose IN ('set_password','reset_password','sign_in'));
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_check
    CHECK ((purpose = 'sign_in') = (email IS NOT NULL AND user_id IS NULL));
DROP TABLE documents;
DROP TABLE referral_drafts;
DROP INDEX referrals_registration_idx;
ALTER TABLE referrals
    DROP COLUMN professional_group, DROP COLUMN region, DROP COLUMN registration_body,
    DROP COLUMN registration_number, DROP COLUMN answers, DROP COLUMN eligibility,
    DROP COLUMN eligibility_reasons, DROP COLUMN form_d_sessions, DROP COLUMN form_d_reference,
    DROP COLUMN form_d_status;
