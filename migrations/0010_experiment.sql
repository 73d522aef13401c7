-- The randomized holdout (#17): an experiment is one held-out share over a period; a lead is
-- assigned once and for ever, the first time it is eligible for a digest, and keeps its arm when
-- the share changes (a new experiment only draws leads never assigned before).
CREATE TABLE experiments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    share      double precision NOT NULL CHECK (share > 0 AND share <= 0.5),
    started_at timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz,
    CHECK (stopped_at IS NULL OR stopped_at >= started_at)
);
-- At most one experiment runs at a time.
CREATE UNIQUE INDEX experiments_running_idx ON experiments ((true)) WHERE stopped_at IS NULL;

CREATE TABLE experiment_leads (
    lead_id       bigint PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    experiment_id bigint NOT NULL REFERENCES experiments (id),
    arm           text   NOT NULL CHECK (arm IN ('treated', 'held_out')),
    band          text   NOT NULL CHECK (band <> ''),
    score         double precision CHECK (score BETWEEN 0 AND 1),
    assigned_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX experiment_leads_experiment_idx ON experiment_leads (experiment_id, band, arm);

-- A rep who looks a held-out lead up by name: kept, because it is a contact the arm did not plan.
CREATE TABLE experiment_lookups (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id   bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    rep_id    bigint REFERENCES reps (id) ON DELETE SET NULL,
    looked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX experiment_lookups_lead_idx ON experiment_lookups (lead_id);
