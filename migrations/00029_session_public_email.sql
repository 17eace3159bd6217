-- +goose Up
-- The verified address of a trainee or referrer signed in by email link,
-- beside the session's data (which holds it too), so a page's statement
-- can read the signed-in person's rows in the session's own round trip
-- (store.SessionPublicEmail), as staff_id does for staff. Written in lower
-- case by the session store whenever it writes a session; NULL for staff
-- sessions and sessions with nobody signed in, and for sessions saved
-- before this column until they are next written.
ALTER TABLE sessions ADD COLUMN public_email text;

-- +goose Down
ALTER TABLE sessions DROP COLUMN public_email;
