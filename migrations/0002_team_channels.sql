-- Team channels: a rep's digest can also go to their team's channel, as a thread reply under one
-- parent post per team per day.

ALTER TABLE digests DROP CONSTRAINT digests_kind_check;
ALTER TABLE digests ADD CONSTRAINT digests_kind_check CHECK (kind IN ('rep', 'manager', 'channel'));
-- A channel digest of a team delivered "both" ways shows the same leads as the rep's DM digest.
ALTER TABLE digests ADD COLUMN leads_from bigint REFERENCES digests (id) ON DELETE CASCADE;

-- The parent post of a team's channel digest ("Today's top leads for the EMEA team").
CREATE TABLE team_posts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    manager_id bigint      NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    day        date        NOT NULL,
    channel    text        NOT NULL,
    message_ts text        NOT NULL DEFAULT '',
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    last_error text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (manager_id, day)
);
