-- +goose Up
-- When the trainee was reminded to confirm a referral made for them (once,
-- 7 days after it was sent).
ALTER TABLE referrals ADD COLUMN reminded_at timestamptz;
CREATE INDEX referrals_awaiting_idx ON referrals (submitted_at) WHERE status = 'awaiting_trainee';

-- +goose Down
DROP INDEX referrals_awaiting_idx;
ALTER TABLE referrals DROP COLUMN reminded_at;
