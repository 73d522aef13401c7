package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
)

// Experiment is one run of the randomized holdout.
type Experiment struct {
	ID        int64      `db:"id"`
	Share     float64    `db:"share"`
	StartedAt time.Time  `db:"started_at"`
	StoppedAt *time.Time `db:"stopped_at"`
}

// Candidate is a lead about to be considered for a digest, with the band it is in now.
type Candidate struct {
	LeadID int64
	Band   string
	Score  float64
}

// EnsureExperiment makes the running experiment match the configured held-out share: nothing
// changes when it already does; a different share stops the running one and starts another; 0
// stops it. It returns the running experiment, or nil when the holdout is off.
func (s *Store) EnsureExperiment(ctx context.Context, share float64) (*Experiment, error) {
	if err := experiment.CheckShare(share); err != nil {
		return nil, &leadbot.Error{Code: leadbot.EINVALID, Op: "store.EnsureExperiment", Message: err.Error()}
	}
	// The common case, every digest run: the running experiment already has this share.
	cur, err := s.RunningExperiment(ctx)
	switch {
	case err != nil:
		return nil, err
	case cur == nil && share == 0:
		return nil, nil
	case cur != nil && cur.Share == share:
		return cur, nil
	}
	var out *Experiment
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		var cur Experiment
		err := tx.GetContext(ctx, &cur, `
			SELECT id, share, started_at, stopped_at FROM experiments
			WHERE stopped_at IS NULL FOR UPDATE`)
		switch {
		case err == nil && cur.Share == share:
			out = &cur
			return nil
		case err == nil:
			if _, err := tx.ExecContext(ctx, `UPDATE experiments SET stopped_at = now() WHERE id = $1`, cur.ID); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if share == 0 {
			return nil
		}
		var e Experiment
		if err := tx.GetContext(ctx, &e, `
			INSERT INTO experiments (share) VALUES ($1)
			RETURNING id, share, started_at, stopped_at`, share); err != nil {
			return err
		}
		out = &e
		return nil
	})
	return out, translate("EnsureExperiment", err)
}

// RunningExperiment returns the experiment that runs now, or nil when the holdout is off.
func (s *Store) RunningExperiment(ctx context.Context) (*Experiment, error) {
	var e Experiment
	err := s.db.GetContext(ctx, &e, `
		SELECT id, share, started_at, stopped_at FROM experiments WHERE stopped_at IS NULL`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate("RunningExperiment", err)
	}
	return &e, nil
}

// Experiments returns every experiment, newest first.
func (s *Store) Experiments(ctx context.Context) ([]Experiment, error) {
	var es []Experiment
	err := s.db.SelectContext(ctx, &es, `
		SELECT id, share, started_at, stopped_at FROM experiments ORDER BY started_at DESC, id DESC`)
	return es, translate("Experiments", err)
}

// Assign puts every candidate not yet in any experiment on its arm of e (the draw is
// experiment.Assign, so replicas agree), and returns the arm of every candidate, old
// assignments included: a lead assigned under an earlier experiment keeps its arm.
func (s *Store) Assign(ctx context.Context, e Experiment, cands []Candidate) (map[int64]experiment.Arm, error) {
	ids := make([]int64, len(cands))
	arms := make([]string, len(cands))
	bands := make([]string, len(cands))
	scores := make([]float64, len(cands))
	for i, c := range cands {
		ids[i], bands[i], scores[i] = c.LeadID, c.Band, c.Score
		arms[i] = string(experiment.Assign(e.ID, c.LeadID, e.Share))
	}
	out := make(map[int64]experiment.Arm, len(cands))
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO experiment_leads (lead_id, experiment_id, arm, band, score)
			SELECT c.lead_id, $1, c.arm, c.band, c.score
			FROM unnest($2::bigint[], $3::text[], $4::text[], $5::float8[]) AS c (lead_id, arm, band, score)
			ON CONFLICT (lead_id) DO NOTHING`,
			e.ID, pq.Array(ids), pq.Array(arms), pq.Array(bands), pq.Array(scores)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `
			SELECT lead_id, arm FROM experiment_leads WHERE lead_id = ANY($1)`, pq.Array(ids))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var arm string
			if err := rows.Scan(&id, &arm); err != nil {
				return err
			}
			out[id] = experiment.Arm(arm)
		}
		return rows.Err()
	})
	return out, translate("Assign", err)
}

// HeldOut returns which of the leads are held out while a holdout runs: in the running
// experiment or an earlier one (a lead's arm is for ever, so the comparison stays clean after a
// share changes). With the holdout off, no lead is held out: its leads go back to the lists.
func (s *Store) HeldOut(ctx context.Context, leadIDs []int64) (map[int64]bool, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `
		SELECT lead_id FROM experiment_leads WHERE lead_id = ANY($1) AND arm = 'held_out'
		  AND EXISTS (SELECT 1 FROM experiments WHERE stopped_at IS NULL)`, pq.Array(leadIDs))
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, translate("HeldOut", err)
}

// RecordLookup keeps that a rep looked up a held-out lead by name (a no-op for other leads).
func (s *Store) RecordLookup(ctx context.Context, leadID int64, repID *int64) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO experiment_lookups (lead_id, rep_id)
		SELECT lead_id, $2 FROM experiment_leads WHERE lead_id = $1 AND arm = 'held_out'`, leadID, repID)
	return translate("RecordLookup", err)
}

// ArmRow is one assigned lead with what became of it: the rows the uplift report adds up, and
// what `leadbot export experiment` writes for an analyst.
type ArmRow struct {
	LeadID       int64      `db:"lead_id"`
	ExternalID   string     `db:"external_id"`
	ExperimentID int64      `db:"experiment_id"`
	Arm          string     `db:"arm"`
	Band         string     `db:"band"`
	Score        *float64   `db:"score"`
	AssignedAt   time.Time  `db:"assigned_at"`
	Outcome      *string    `db:"outcome"`
	OccurredAt   *time.Time `db:"occurred_at"`
	Amount       *float64   `db:"amount"`
	Lookups      int        `db:"lookups"`
}

// ArmRows returns every assigned lead of every experiment (0: all), oldest assignment first.
func (s *Store) ArmRows(ctx context.Context, experimentID int64) ([]ArmRow, error) {
	var rs []ArmRow
	err := s.db.SelectContext(ctx, &rs, `
		SELECT el.lead_id, l.external_id, el.experiment_id, el.arm, el.band, el.score, el.assigned_at,
		       o.outcome, o.occurred_at, o.amount::float8 AS amount,
		       (SELECT count(*) FROM experiment_lookups x WHERE x.lead_id = el.lead_id) AS lookups
		FROM experiment_leads el
		JOIN leads l ON l.id = el.lead_id
		LEFT JOIN outcomes o ON o.lead_id = el.lead_id
		WHERE $1 = 0 OR el.experiment_id = $1
		ORDER BY el.assigned_at, el.lead_id`, experimentID)
	return rs, translate("ArmRows", err)
}

// AssignOpenLeads draws every scored open lead of the rep that no experiment has assigned yet
// (its first time eligible for a digest), band by band as band names them, and returns how
// many it drew. Leads drawn before keep their arm.
func (s *Store) AssignOpenLeads(ctx context.Context, e Experiment, repID int64, band func(p float64) string) (int, error) {
	var rows []struct {
		ID    int64   `db:"id"`
		Score float64 `db:"score"`
	}
	if err := s.db.SelectContext(ctx, &rows, `
		SELECT l.id, l.score FROM leads l
		WHERE l.owner_id = $1 AND l.status = 'open' AND l.score IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)
		  AND NOT EXISTS (SELECT 1 FROM experiment_leads x WHERE x.lead_id = l.id)`, repID); err != nil {
		return 0, translate("AssignOpenLeads", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	cands := make([]Candidate, len(rows))
	for i, r := range rows {
		cands[i] = Candidate{LeadID: r.ID, Band: band(r.Score), Score: r.Score}
	}
	_, err := s.Assign(ctx, e, cands)
	return len(cands), err
}

// PastArm is one lead's assignment in an experiment recorded after the fact (the demo's history).
type PastArm struct {
	LeadID     int64
	Arm        string
	Band       string
	Score      float64
	AssignedAt time.Time
}

// RecordPastExperiment writes an experiment that ran from start to stop, and its assignments:
// the demo's history of a holdout, so the value report has something to say on a first run. It
// refuses to run beside a running experiment (there is at most one).
func (s *Store) RecordPastExperiment(ctx context.Context, share float64, start, stop time.Time, arms []PastArm) (Experiment, error) {
	var e Experiment
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &e, `
			INSERT INTO experiments (share, started_at, stopped_at) VALUES ($1, $2, $3)
			RETURNING id, share, started_at, stopped_at`, share, start, stop); err != nil {
			return err
		}
		for _, a := range arms {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO experiment_leads (lead_id, experiment_id, arm, band, score, assigned_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, a.LeadID, e.ID, a.Arm, a.Band, a.Score, a.AssignedAt); err != nil {
				return err
			}
		}
		return nil
	})
	return e, translate("RecordPastExperiment", err)
}
