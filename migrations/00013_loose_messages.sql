-- +goose Up
-- The retention job's daily sweep of emails that belong to no referral
-- (sign-in links, invitations, the digest) walks them by age.
CREATE INDEX notifications_loose_idx ON notifications (created_at) WHERE referral_id IS NULL;

-- +goose Down
DROP INDEX notifications_loose_idx;
