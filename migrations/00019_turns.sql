-- +goose Up
-- Telling each person when it is their turn (issue 14).
--
-- The trainee is reminded once to write a summary when a session they
-- attended has none two days later: summary_reminded_at records that the
-- reminder was queued, so it is sent once however many workers run.
-- Sessions that ended before this migration are taken as reminded: the
-- reminder is for sessions from now on, not a burst of old ones.
ALTER TABLE appointments ADD COLUMN summary_reminded_at timestamptz;
UPDATE appointments SET summary_reminded_at = now() WHERE status = 'attended';
CREATE INDEX appointments_summary_reminder_idx ON appointments (ends_at)
    WHERE status = 'attended' AND summary_reminded_at IS NULL;

-- The PSU leads' morning digest (and their home) list the Form D funding
-- requests waiting: few rows among many referrals.
CREATE INDEX referrals_form_d_requested_idx ON referrals (submitted_at, id) WHERE form_d_status = 'requested';

-- A trainee correcting their email address proves the new one is theirs
-- through a one-time link sent to it: the token carries the new address
-- and the referral it is for.
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_purpose_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_purpose_check
    CHECK (purpose IN ('set_password','reset_password','sign_in','confirm_referral','change_email'));
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_owner_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_owner_check CHECK (
    (purpose IN ('set_password','reset_password') AND user_id IS NOT NULL AND email IS NULL AND referral_id IS NULL)
    OR (purpose = 'sign_in' AND email IS NOT NULL AND user_id IS NULL AND referral_id IS NULL)
    OR (purpose IN ('confirm_referral','change_email') AND referral_id IS NOT NULL AND email IS NOT NULL AND user_id IS NULL));

-- +goose Down
DELETE FROM auth_tokens WHERE purpose = 'change_email';
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_owner_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_owner_check CHECK (
    (purpose IN ('set_password','reset_password') AND user_id IS NOT NULL AND email IS NULL AND referral_id IS NULL)
    OR (purpose = 'sign_in' AND email IS NOT NULL AND user_id IS NULL AND referral_id IS NULL)
    OR (purpose = 'confirm_referral' AND referral_id IS NOT NULL AND email IS NOT NULL AND user_id IS NULL));
ALTER TABLE auth_tokens DROP CONSTRAINT auth_tokens_purpose_check;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_purpose_check
    CHECK (purpose IN ('set_password','reset_password','sign_in','confirm_referral'));
DROP INDEX referrals_form_d_requested_idx;
DROP INDEX appointments_summary_reminder_idx;
ALTER TABLE appointments DROP COLUMN summary_reminded_at;
