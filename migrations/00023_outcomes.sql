-- +goose Up
-- The outcome questionnaire (docs/reports.md, "Outcomes"): the trainee's
-- own ratings before support and at closure, the Friends and Family Test
-- question, and where they are six months after closure. Never
-- compulsory: a skipped questionnaire is a row with skipped set, so it is
-- not offered again. One row per referral and stage, so a double submit
-- records one answer. Rows go with their referral when its retention
-- period ends (ON DELETE CASCADE), and are counted in the register.
CREATE TABLE outcome_answers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id    bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    stage          text NOT NULL CHECK (stage IN ('before', 'after', 'followup')),
    answered_at    timestamptz NOT NULL,
    skipped        boolean NOT NULL DEFAULT false,
    -- The four stages and overall confidence, 1 to 5 (NULL: not answered).
    self_awareness smallint CHECK (self_awareness BETWEEN 1 AND 5),
    options        smallint CHECK (options BETWEEN 1 AND 5),
    decision       smallint CHECK (decision BETWEEN 1 AND 5),
    plan           smallint CHECK (plan BETWEEN 1 AND 5),
    confidence     smallint CHECK (confidence BETWEEN 1 AND 5),
    -- At closure: the Friends and Family Test answer and one comment.
    fft            text CHECK (fft IN ('very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know')),
    comment        text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    may_quote      boolean NOT NULL DEFAULT false,
    -- Six months on: where they are (a closure outcome) and whether the
    -- support still helps, 1 to 5.
    destination    text,
    still_helps    smallint CHECK (still_helps BETWEEN 1 AND 5),
    UNIQUE (referral_id, stage)
);
-- The reports read six-month answers by when they were given (closure
-- answers through their referral, by its unique key).
CREATE INDEX outcome_answers_stage_at_idx ON outcome_answers (stage, answered_at);

-- The six-month follow-up of a closed referral: one email, at most one
-- reminder, each with a fresh link whose SHA-256 only is kept. A trainee
-- who asked not to be contacted has opted_out_at set and is never asked.
CREATE TABLE outcome_followups (
    referral_id      bigint PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
    opted_out_at     timestamptz,
    sent_at          timestamptz,
    reminded_at      timestamptz,
    token_hash       bytea UNIQUE,
    token_expires_at timestamptz,
    CHECK ((token_hash IS NULL) = (token_expires_at IS NULL))
);

-- +goose Down
DROP TABLE outcome_followups;
DROP TABLE outcome_answers;
