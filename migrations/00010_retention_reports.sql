-- +goose Up

-- A legal hold stops a referral's destruction while it lasts (a complaint,
-- a claim, a request from a court). Placed and lifted by an admin, always
-- with a reason; the history is in the timeline and the audit log.
ALTER TABLE referrals
    ADD COLUMN legal_hold_reason text CHECK (length(legal_hold_reason) BETWEEN 1 AND 1000),
    ADD COLUMN legal_hold_at     timestamptz,
    ADD COLUMN legal_hold_by     bigint REFERENCES staff_users (id),
    ADD CONSTRAINT referrals_legal_hold_complete CHECK ((legal_hold_reason IS NULL) = (legal_hold_at IS NULL));

-- The retention job and the "due for destruction" page walk finished
-- referrals by the date they finished.
CREATE INDEX referrals_closed_at_idx ON referrals (closed_at, id) WHERE closed_at IS NOT NULL;
CREATE INDEX referrals_legal_hold_idx ON referrals (legal_hold_at) WHERE legal_hold_at IS NOT NULL;

-- Messages sent to one address (the trainee's data export).
CREATE INDEX notifications_recipients_idx ON notifications USING gin (recipients jsonb_path_ops);

-- What was destroyed, for each destroyed referral: its reference, its dates
-- and how many records of each category went, and nothing about the person.
-- Like the audit log it is append-only: proof of destruction that could be
-- edited would prove nothing.
CREATE TABLE destruction_register (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference        text NOT NULL UNIQUE,
    route            text NOT NULL,
    submitted_on     date NOT NULL,
    closed_on        date NOT NULL,
    due_on           date NOT NULL,
    destroyed_at     timestamptz NOT NULL,
    retention_months integer NOT NULL CHECK (retention_months > 0),
    -- {"category": count, ...}: referral details, documents, summaries,
    -- appointments, messages, timeline, notes, questions, allowance ledger ...
    categories       jsonb NOT NULL CHECK (jsonb_typeof(categories) = 'object'),
    destroyed_by     text NOT NULL DEFAULT 'retention job'
);
CREATE INDEX destruction_register_destroyed_idx ON destruction_register (destroyed_at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION destruction_register_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'destruction_register is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER destruction_register_no_update_delete BEFORE UPDATE OR DELETE ON destruction_register
    FOR EACH ROW EXECUTE FUNCTION destruction_register_is_append_only();
CREATE TRIGGER destruction_register_no_truncate BEFORE TRUNCATE ON destruction_register
    FOR EACH STATEMENT EXECUTE FUNCTION destruction_register_is_append_only();

-- +goose Down
DROP TABLE destruction_register;
DROP FUNCTION destruction_register_is_append_only();
DROP INDEX notifications_recipients_idx;
DROP INDEX referrals_legal_hold_idx;
DROP INDEX referrals_closed_at_idx;
ALTER TABLE referrals DROP CONSTRAINT referrals_legal_hold_complete,
    DROP COLUMN legal_hold_by, DROP COLUMN legal_hold_at, DROP COLUMN legal_hold_reason;
