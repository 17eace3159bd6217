-- +goose Up
-- How many referrals are in each status, for the queue's counts, kept as
-- referrals change rather than counted from every referral on every view
-- (count(*) GROUP BY status read the whole status index: 12 ms at 100,000
-- referrals, the most of any queue page's time, and growing with every
-- year kept).
--
-- A change never updates a shared row (which would make every transaction
-- that sends, decides or closes a referral wait for the others to commit):
-- triggers add a row of +1 or -1 to referral_status_changes, and a job
-- (store.FoldReferralStatusChanges, every minute) folds those into
-- referral_status_counts in one statement. A read adds the two up, so it
-- is exact at every moment, whether or not the job has run.
CREATE TABLE referral_status_counts (
    status text PRIMARY KEY,
    n bigint NOT NULL
);

CREATE TABLE referral_status_changes (
    id bigserial PRIMARY KEY,
    status text NOT NULL,
    d integer NOT NULL
);

-- The function runs as its owner (SECURITY DEFINER, with the search path
-- fixed as the migration's): a service still running the version before
-- this one, while the new one migrates, has no privileges on the new
-- tables until the grants that follow every migration run
-- (store.GrantService), and its writes to referrals must not fail
-- meanwhile.
-- +goose StatementBegin
CREATE FUNCTION referral_status_changed() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM referral_status_changes;
        DELETE FROM referral_status_counts;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO referral_status_changes (status, d) VALUES (OLD.status, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO referral_status_changes (status, d) VALUES (NEW.status, 1);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- The triggers first: creating them locks referrals against writes until
-- this migration commits, so the counts below miss nothing.
CREATE TRIGGER referral_status_inserted AFTER INSERT ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_status_changed();
CREATE TRIGGER referral_status_updated AFTER UPDATE OF status ON referrals
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION referral_status_changed();
CREATE TRIGGER referral_status_deleted AFTER DELETE ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_status_changed();
CREATE TRIGGER referral_status_truncated AFTER TRUNCATE ON referrals
    FOR EACH STATEMENT EXECUTE FUNCTION referral_status_changed();

INSERT INTO referral_status_counts (status, n)
    SELECT status, count(*) FROM referrals GROUP BY status;

-- +goose Down
DROP TRIGGER referral_status_truncated ON referrals;
DROP TRIGGER referral_status_deleted ON referrals;
DROP TRIGGER referral_status_updated ON referrals;
DROP TRIGGER referral_status_inserted ON referrals;
DROP FUNCTION referral_status_changed();
DROP TABLE referral_status_changes;
DROP TABLE referral_status_counts;
