package store

import (
	"context"
	"time"
)

// RepStats summarises a rep's feedback since a time.
type RepStats struct {
	Given     int `db:"given"`
	Up        int `db:"up"`
	Down      int `db:"down"`
	Agreed    int `db:"agreed"`    // 👍 on a lead scored ≥ 50 %, or 👎 on one scored below
	Reasons   int `db:"reasons"`   // 👎 with a reason code (a model feature after the next retrain)
	Delivered int `db:"delivered"` // leads delivered in digests
}

// StatsFor returns a rep's feedback statistics since since.
func (s *Store) StatsFor(ctx context.Context, repID int64, since time.Time) (RepStats, error) {
	var st RepStats
	err := s.db.GetContext(ctx, &st, `
		SELECT count(*) AS given,
		       count(*) FILTER (WHERE verdict = 1) AS up,
		       count(*) FILTER (WHERE verdict = -1) AS down,
		       count(*) FILTER (WHERE probability IS NOT NULL AND (verdict = 1) = (probability >= 0.5)) AS agreed,
		       count(*) FILTER (WHERE reason_code IS NOT NULL) AS reasons,
		       (SELECT count(*) FROM deliveries d WHERE d.rep_id = $1 AND d.created_at >= $2) AS delivered
		FROM feedback WHERE rep_id = $1 AND undone_at IS NULL AND created_at >= $2`, repID, since)
	return st, translate("StatsFor", err)
}
