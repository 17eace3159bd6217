-- +goose Up
-- Secrets at rest (docs/security.md).
--
-- Sessions are keyed by the SHA-256 of their token: the cookie keeps the
-- token, and someone reading the table cannot replay a session from it.
-- Live sessions carry on: each is re-keyed by its token's hash.
DELETE FROM sessions WHERE expiry < now();
ALTER TABLE sessions ADD COLUMN token_hash bytea;
UPDATE sessions SET token_hash = sha256(convert_to(token, 'UTF8'));
ALTER TABLE sessions DROP COLUMN token;
ALTER TABLE sessions ALTER COLUMN token_hash SET NOT NULL;
ALTER TABLE sessions ADD PRIMARY KEY (token_hash);

-- Recovery codes are hashed with argon2id (salted), as passwords are. A
-- salted hash cannot be looked up, so a code is checked against the
-- account's unused codes (at most ten). Codes from before are kept as
-- 'sha256:<hex>' here and wrapped in argon2id by `careers serve` at start
-- (internal/server/secrets_at_rest.go); a bare digest never matches.
ALTER TABLE recovery_codes DROP CONSTRAINT recovery_codes_user_id_code_hash_key;
ALTER TABLE recovery_codes ALTER COLUMN code_hash TYPE text USING 'sha256:' || encode(code_hash, 'hex');
CREATE INDEX recovery_codes_unused_idx ON recovery_codes (user_id) WHERE used_at IS NULL;

-- TOTP secrets are sealed with AES-256-GCM under SECRET_KEY
-- ('v1:<key id>:<ciphertext>'). `careers serve` seals any plaintext secret
-- (and any sealed under a previous key) when it starts.
COMMENT ON COLUMN staff_users.totp_secret IS 'AES-256-GCM sealed under SECRET_KEY: v1:<key id>:<base64url nonce|ciphertext>';

-- Throttle keys are now an HMAC under a key derived from SECRET_KEY; rows
-- keyed the old way would never be read again.
DELETE FROM auth_throttle;

-- +goose Down
DELETE FROM sessions;
ALTER TABLE sessions DROP COLUMN token_hash;
ALTER TABLE sessions ADD COLUMN token text PRIMARY KEY;

DROP INDEX recovery_codes_unused_idx;
-- argon2id hashes cannot go back to SHA-256: those codes are dropped.
DELETE FROM recovery_codes WHERE code_hash !~ '^sha256:[0-9a-f]{64}$';
ALTER TABLE recovery_codes ALTER COLUMN code_hash TYPE bytea USING decode(substr(code_hash, 8), 'hex');
ALTER TABLE recovery_codes ADD CONSTRAINT recovery_codes_user_id_code_hash_key UNIQUE (user_id, code_hash);

-- The older code reads TOTP secrets in plaintext: sealed ones cannot be
-- used by it, so those people set up their authenticator again.
UPDATE staff_users SET totp_secret = NULL, totp_enrolled_at = NULL, totp_last_step = 0
WHERE totp_secret LIKE 'v1:%';
COMMENT ON COLUMN staff_users.totp_secret IS NULL;
DELETE FROM auth_throttle;
