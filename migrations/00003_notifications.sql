-- +goose Up

-- Every email the service sends is first recorded here, in the same
-- transaction as the change that causes it, and then delivered by a River job
-- (internal/jobs). The row is the notification log: what went to whom, when,
-- and how delivery went. The key makes enqueueing idempotent: the same key
-- twice records one notification (and sends one message).
CREATE TABLE notifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
    kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
    referral_id   bigint REFERENCES referrals (id) ON DELETE CASCADE,
    -- [{"name": "...", "email": "..."}, ...]
    recipients    jsonb NOT NULL CHECK (jsonb_typeof(recipients) = 'array' AND jsonb_array_length(recipients) > 0),
    subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body_text     text NOT NULL,
    body_html     text NOT NULL,
    -- The unique part of the Message-ID header. It is fixed when the
    -- notification is recorded, so every delivery attempt carries the same
    -- Message-ID and a receiving server can spot a duplicate.
    message_token uuid NOT NULL DEFAULT gen_random_uuid(),
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','failed')),
    -- Delivery attempts made so far, across retries requested by staff.
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- A short description of the last failure, never the server's full text
    -- (which can quote addresses).
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    failed_at     timestamptz,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((status = 'failed') = (failed_at IS NOT NULL))
);
CREATE UNIQUE INDEX notifications_key_key ON notifications (key);
CREATE INDEX notifications_referral_idx ON notifications (referral_id, created_at, id) WHERE referral_id IS NOT NULL;
-- The staff page of undelivered messages reads only these.
CREATE INDEX notifications_undelivered_idx ON notifications (created_at DESC, id DESC) WHERE status <> 'sent';

CREATE TABLE notification_attachments (
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    filename        text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type    text NOT NULL,
    content         bytea NOT NULL,
    PRIMARY KEY (notification_id, position)
);

-- The development mailbox: with no SMTP_URL in development, messages are
-- kept here instead of being sent, and shown at /dev/mailbox. Production
-- never writes to it (it refuses to start without SMTP_URL).
CREATE TABLE dev_mailbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  text NOT NULL,
    from_header text NOT NULL,
    reply_to    text NOT NULL DEFAULT '',
    to_header   text NOT NULL,
    subject     text NOT NULL,
    body_text   text NOT NULL,
    body_html   text NOT NULL,
    -- The whole MIME message exactly as it would have gone to the server.
    raw         bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dev_mailbox_created_idx ON dev_mailbox (created_at DESC, id DESC);

CREATE TABLE dev_mailbox_attachments (
    message_id   bigint NOT NULL REFERENCES dev_mailbox (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    filename     text NOT NULL,
    content_type text NOT NULL,
    content      bytea NOT NULL,
    PRIMARY KEY (message_id, position)
);

-- +goose Down
DROP TABLE dev_mailbox_attachments;
DROP TABLE dev_mailbox;
DROP TABLE notification_attachments;
DROP TABLE notifications;
