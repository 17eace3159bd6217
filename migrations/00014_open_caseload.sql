-- +goose Up
-- A coach's caseload (open allocated or active referrals) is counted on the
-- referral page, the coordinators' allocation and the reports: this index
-- holds only those referrals, so the count reads a few entries per coach
-- instead of every referral they ever had.
CREATE INDEX referrals_open_coach_idx ON referrals (coach_id) WHERE status IN ('allocated', 'active');

-- +goose Down
DROP INDEX referrals_open_coach_idx;
