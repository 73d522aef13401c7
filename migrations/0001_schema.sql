-- leadbot schema, version 1: the whole product's data model.
-- Conventions: bigint identity keys, timestamptz everywhere, text with CHECKs instead of enums
-- (a CHECK is altered in a migration without the ALTER TYPE dance), JSONB for what the CRM brings.

-- Sales reps and managers. A rep is known by email (the CRM's owner field) and, once matched,
-- by Slack user id. manager_id makes teams: a manager sees the leads of the reps who point at them.
CREATE TABLE reps (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL CHECK (email = lower(btrim(email)) AND email <> ''),
    name            text        NOT NULL DEFAULT '',
    slack_user_id   text        UNIQUE,
    manager_id      bigint      REFERENCES reps (id) ON DELETE SET NULL,
    is_manager      boolean     NOT NULL DEFAULT false,
    team            text        NOT NULL DEFAULT '',
    timezone        text        NOT NULL DEFAULT '',
    delivery_hour   smallint    NOT NULL DEFAULT 9 CHECK (delivery_hour BETWEEN 0 AND 23),
    leads_per_day   smallint    NOT NULL DEFAULT 5 CHECK (leads_per_day BETWEEN 1 AND 20),
    paused_until    date,
    slack_lookup_at timestamptz,            -- last users.lookupByEmail attempt (cache)
    slack_lookup_error text     NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email),
    CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE INDEX reps_manager_idx ON reps (manager_id);

-- Leads as the CRM exported them. Columns beyond the standard fields go to attributes.
-- account groups leads of one company for account-wide feedback.
CREATE TABLE leads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id  text        NOT NULL UNIQUE CHECK (external_id <> ''),
    name         text        NOT NULL DEFAULT '',
    company      text        NOT NULL DEFAULT '',
    account      text        GENERATED ALWAYS AS (lower(btrim(company))) STORED,
    email        text        NOT NULL DEFAULT '',
    owner_id     bigint      REFERENCES reps (id) ON DELETE SET NULL,
    source       text        NOT NULL DEFAULT '',
    status       text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at   timestamptz,
    attributes   jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    -- The current score, denormalised from scores so that "a rep's top open leads" is one index scan.
    score        double precision CHECK (score BETWEEN 0 AND 1),
    score_model  int,
    scored_at    timestamptz,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_owner_top_idx ON leads (owner_id, score DESC NULLS LAST) WHERE status = 'open';
CREATE INDEX leads_account_idx ON leads (account) WHERE account <> '';
CREATE INDEX leads_email_idx ON leads (lower(email)) WHERE email <> '';

-- CRM outcomes: the strong labels. One final outcome per lead; a later import replaces it.
CREATE TABLE outcomes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     bigint      NOT NULL UNIQUE REFERENCES leads (id) ON DELETE CASCADE,
    outcome     text        NOT NULL CHECK (outcome IN ('won', 'lost', 'converted', 'disqualified')),
    occurred_at timestamptz NOT NULL,
    amount      numeric(16, 2),
    source      text        NOT NULL DEFAULT 'import',
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcomes_occurred_idx ON outcomes (occurred_at);

-- What a rep can say about a lead. data_quality reasons are reports about the data, never labels.
CREATE TABLE reason_codes (
    code         text     PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
    label        text     NOT NULL,
    polarity     smallint NOT NULL CHECK (polarity IN (-1, 0, 1)),
    category     text     NOT NULL,
    data_quality boolean  NOT NULL DEFAULT false,
    position     int      NOT NULL DEFAULT 0,
    active       boolean  NOT NULL DEFAULT true
);
INSERT INTO reason_codes (code, label, polarity, category, data_quality, position) VALUES
    ('no_budget',         'No budget',          -1, 'budget',      false, 10),
    ('bad_timing',        'Bad timing',         -1, 'timing',      false, 20),
    ('competitor',        'Went with a competitor', -1, 'competition', false, 30),
    ('leadership_change', 'Leadership change',  -1, 'context',     false, 40),
    ('no_authority',      'No authority',       -1, 'authority',   false, 50),
    ('not_a_fit',         'Not a fit',          -1, 'fit',         false, 60),
    ('already_customer',  'Already a customer', -1, 'fit',         false, 70),
    ('wrong_contact',     'Wrong contact',       0, 'data',        true,  80),
    ('bad_data',          'Bad data',            0, 'data',        true,  90),
    ('duplicate',         'Duplicate',           0, 'data',        true, 100);

-- Model versions. Every version is kept; exactly one champion at a time.
CREATE TABLE models (
    version        int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('champion', 'challenger', 'retired')),
    params         jsonb       NOT NULL DEFAULT '{}',
    feature_schema jsonb       NOT NULL DEFAULT '{}',
    metrics        jsonb       NOT NULL DEFAULT '{}',
    artifact       bytea       NOT NULL,
    training_rows  int         NOT NULL DEFAULT 0,
    feedback_rows  int         NOT NULL DEFAULT 0,
    notes          text        NOT NULL DEFAULT '',
    trained_at     timestamptz NOT NULL DEFAULT now(),
    promoted_at    timestamptz
);
CREATE UNIQUE INDEX models_one_champion ON models ((true)) WHERE status = 'champion';

ALTER TABLE leads ADD CONSTRAINT leads_score_model_fk FOREIGN KEY (score_model) REFERENCES models (version);

-- Score history: every scoring of every lead, with its factors, for "what changed".
CREATE TABLE scores (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id       bigint           NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    model_version int              REFERENCES models (version),
    probability   double precision NOT NULL CHECK (probability BETWEEN 0 AND 1),
    factors       jsonb            NOT NULL DEFAULT '{}',
    scored_at     timestamptz      NOT NULL DEFAULT now()
);
CREATE INDEX scores_lead_idx ON scores (lead_id, scored_at DESC);

-- One digest message per rep (or manager) per local day: the unit the scheduler makes idempotent.
CREATE TABLE digests (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rep_id      bigint      NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    day         date        NOT NULL,
    kind        text        NOT NULL DEFAULT 'rep' CHECK (kind IN ('rep', 'manager')),
    channel     text        NOT NULL DEFAULT '',
    message_ts  text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    int         NOT NULL DEFAULT 0,
    last_error  text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    UNIQUE (rep_id, day, kind)
);
CREATE INDEX digests_message_idx ON digests (channel, message_ts) WHERE message_ts <> '';
CREATE INDEX digests_unsent_idx ON digests (created_at) WHERE status <> 'sent';

-- Which lead went to which rep in which message, on which of the rep's local days.
CREATE TABLE deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rep_id      bigint           NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    lead_id     bigint           NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    day         date             NOT NULL,
    digest_id   bigint           NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    position    smallint         NOT NULL DEFAULT 0,
    probability double precision,
    score_id    bigint           REFERENCES scores (id) ON DELETE SET NULL,
    created_at  timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (rep_id, lead_id, day)
);
CREATE INDEX deliveries_lead_idx ON deliveries (lead_id, day DESC);
CREATE INDEX deliveries_digest_idx ON deliveries (digest_id, position);

-- A rep's verdict on a lead. Undo keeps the row (undone_at); one active verdict per rep and lead.
CREATE TABLE feedback (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id       bigint           NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    rep_id        bigint           NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    verdict       smallint         NOT NULL CHECK (verdict IN (-1, 1)),
    reason_code   text             REFERENCES reason_codes (code),
    note          text             NOT NULL DEFAULT '' CHECK (length(note) <= 3000),
    account_wide  boolean          NOT NULL DEFAULT false,
    delivery_id   bigint           REFERENCES deliveries (id) ON DELETE SET NULL,
    channel       text             NOT NULL DEFAULT '',
    message_ts    text             NOT NULL DEFAULT '',
    probability   double precision,
    model_version int              REFERENCES models (version),
    created_at    timestamptz      NOT NULL DEFAULT now(),
    undone_at     timestamptz
);
CREATE UNIQUE INDEX feedback_one_active_idx ON feedback (rep_id, lead_id) WHERE undone_at IS NULL;
CREATE INDEX feedback_lead_idx ON feedback (lead_id, created_at DESC);
CREATE INDEX feedback_created_idx ON feedback (created_at);

-- Snooze: a rep hides a lead from their digests until a date.
CREATE TABLE snoozes (
    rep_id     bigint      NOT NULL REFERENCES reps (id) ON DELETE CASCADE,
    lead_id    bigint      NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    until      date        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (rep_id, lead_id)
);

-- Every run of every scheduled or manual job.
CREATE TABLE job_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job         text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome     text        NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'failed', 'skipped')),
    error       text        NOT NULL DEFAULT '',
    details     jsonb       NOT NULL DEFAULT '{}',
    host        text        NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job_idx ON job_runs (job, started_at DESC);

-- Small key/value state (e.g. the demo seed marker, Slack ids learned at start-up).
CREATE TABLE app_state (
    key        text PRIMARY KEY,
    value      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
