-- +goose Up
-- Server-side session store used by scs/pgxstore. The token is the only thing
-- in the cookie; everything else stays here, so signing out really ends it.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
