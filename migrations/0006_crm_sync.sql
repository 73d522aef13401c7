-- CRM sync (issue 16): what the sync of Salesforce and HubSpot keeps between runs.

-- Where each object's incremental pull stands: the newest SystemModstamp (Salesforce) or
-- lastmodifieddate (HubSpot) of a record already imported. The next pull starts at modstamp minus
-- the overlap window; records seen twice upsert to no change.
CREATE TABLE crm_cursors (
    system     text        NOT NULL CHECK (system IN ('salesforce', 'hubspot')),
    object     text        NOT NULL,
    modstamp   timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (system, object)
);

-- Which CRM record tells the outcome of which lead: an Opportunity created by a Lead's conversion
-- (Lead.ConvertedOpportunityId), a HubSpot deal associated with a contact.
CREATE TABLE crm_links (
    system           text NOT NULL,
    object           text NOT NULL,
    crm_id           text NOT NULL,
    lead_external_id text NOT NULL,
    PRIMARY KEY (system, object, crm_id)
);

-- The values last written back to the CRM for each lead, so that only changed values are sent.
-- A failed record keeps its old values and its error, and is sent again on the next run.
CREATE TABLE crm_writeback (
    system     text        NOT NULL,
    lead_id    bigint      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    fields     jsonb       NOT NULL DEFAULT '{}',
    written_at timestamptz,
    attempts   int         NOT NULL DEFAULT 0,
    last_error text        NOT NULL DEFAULT '',
    PRIMARY KEY (system, lead_id)
);

-- API calls leadbot itself made per UTC day, shared by replicas, against the configured share of
-- the CRM's daily allowance (max_calls: the allowance the CRM last reported).
CREATE TABLE crm_budget (
    system    text   NOT NULL,
    day       date   NOT NULL,
    calls     int    NOT NULL DEFAULT 0,
    max_calls int    NOT NULL DEFAULT 0,
    PRIMARY KEY (system, day)
);

-- "Hot now": a lead that arrives hot is sent to its owner once, as soon as it is scored; the row
-- is reserved before the message is sent (as digests are), and counts against the rep's daily cap.
CREATE TABLE hot_alerts (
    lead_id    bigint      PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    rep_id     bigint      NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    day        date        NOT NULL,
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    channel    text        NOT NULL DEFAULT '',
    message_ts text        NOT NULL DEFAULT '',
    last_error text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX hot_alerts_rep_day_idx ON hot_alerts (rep_id, day);
