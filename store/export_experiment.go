package store

import (
	"context"
	"strconv"
	"time"
)

// ExportExperiment emits every lead the randomized holdout assigned at or after since (zero:
// all), oldest first: what an analyst needs to recompute the uplift report. score_at_assignment
// and band are as they stood when the lead was drawn; outcome, occurred_at and amount are the
// lead's CRM outcome today (empty: none yet); lookups counts the times a rep looked up a
// held-out lead by name.
func (s *Store) ExportExperiment(ctx context.Context, since time.Time, emit func([]string) error) (int, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT el.assigned_at, el.experiment_id, e.share AS experiment_share,
		       l.external_id AS lead_id, el.arm, el.band, el.score AS score_at_assignment,
		       o.outcome, o.occurred_at, o.amount::text AS amount,
		       (SELECT count(*) FROM experiment_lookups x WHERE x.lead_id = el.lead_id) AS lookups
		FROM experiment_leads el
		JOIN experiments e ON e.id = el.experiment_id
		JOIN leads l ON l.id = el.lead_id
		LEFT JOIN outcomes o ON o.lead_id = el.lead_id
		WHERE $1::timestamptz IS NULL OR el.assigned_at >= $1
		ORDER BY el.assigned_at, el.lead_id`, nullTime(since))
	if err != nil {
		return 0, translate("ExportExperiment", err)
	}
	header := []string{"assigned_at", "experiment_id", "experiment_share", "lead_id", "arm", "band",
		"score_at_assignment", "outcome", "occurred_at", "amount", "lookups"}
	return export("ExportExperiment", rows, header, emit, func(r *armExportRow) []string {
		return []string{timeCell(&r.AssignedAt), strconv.FormatInt(r.ExperimentID, 10), floatCell(&r.Share),
			textCell(r.LeadID), r.Arm, textCell(r.Band), floatCell(r.Score), orEmpty(r.Outcome),
			timeCell(r.OccurredAt), orEmpty(r.Amount), strconv.Itoa(r.Lookups)}
	})
}

type armExportRow struct {
	AssignedAt   time.Time  `db:"assigned_at"`
	ExperimentID int64      `db:"experiment_id"`
	Share        float64    `db:"experiment_share"`
	LeadID       string     `db:"lead_id"`
	Arm          string     `db:"arm"`
	Band         string     `db:"band"`
	Score        *float64   `db:"score_at_assignment"`
	Outcome      *string    `db:"outcome"`
	OccurredAt   *time.Time `db:"occurred_at"`
	Amount       *string    `db:"amount"`
	Lookups      int        `db:"lookups"`
}
