-- +goose Up

-- The reports read the allowance ledger by when things happened: sessions
-- granted, attended, forfeited and waived in a period, and each referral's
-- allocation (its first 'granted' event). Without this index every report
-- read the whole ledger, which grows with every booking.
CREATE INDEX allowance_events_kind_at_idx ON allowance_events (kind, at);

-- +goose Down
DROP INDEX allowance_events_kind_at_idx;
