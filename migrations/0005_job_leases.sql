-- Exactly-once delivery (issue 18). A scheduled job runs under a lease row instead of a session
-- advisory lock: the lock died with its session (a PostgreSQL restart, an idle timeout, a pooler)
-- while the job carried on, and the other replica took it and sent too. A lease outlives any one
-- connection, expires by itself when its holder dies, and carries a token that grows on every
-- claim, so that a write made under a lease that was lost is refused (a fencing token).
CREATE TABLE job_leases (
    job        text        PRIMARY KEY,
    holder     text        NOT NULL DEFAULT '',
    token      bigint      NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL DEFAULT '-infinity'
);

-- The lease a run held: a run still "running" whose lease is gone is dead and is closed.
ALTER TABLE job_runs ADD COLUMN lease_token bigint;

-- When the last attempt to post a digest began. Set just before chat.postMessage, cleared when
-- Slack refuses it for certain: while it is set, whether the message went out is unknown, and the
-- next attempt first looks for it in the conversation (by its message metadata) before posting.
ALTER TABLE digests ADD COLUMN sending_at timestamptz;

-- The keys of clicks written late from the click spool (package spool) after a database outage:
-- a click replayed twice (a crash between its write and the spool's note that it was applied)
-- is written once.
CREATE TABLE spool_applied (
    key        text        PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
